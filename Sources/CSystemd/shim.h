#ifndef T3ATTR_CSYSTEMD_SHIM_H
#define T3ATTR_CSYSTEMD_SHIM_H
#include <systemd/sd-journal.h>
#include <systemd/sd-id128.h>
#include <errno.h>
#include <fnmatch.h>
#include <glob.h>
#endif
