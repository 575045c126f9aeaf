#!/usr/bin/env python3
"""Writes floor_reader.c: the shared ref_reader.c, walking the same matches,
but reading every field of each entry the way t3attr must (its boot and
monotonic time, then sd_journal_enumerate_data over all of its fields) where
the reference reads MESSAGE alone with sd_journal_get_data.

The provenance rule (only _UID, _PID, _SYSTEMD_UNIT, _TRANSPORT, set by
journald, say where a line came from) and the attribution need about a dozen
fields of every dispatch entry; MESSAGE is the last of an entry's items, so
the reference's one get_data already walks all of them, and what the floor
adds is sd-journal's per-call cost of handing them out. `make bench` times it
next to the reference: the part of t3attr's ratio that no code above
sd-journal can remove.

    floor_reader.py REF_READER.C OUT.C
"""
import sys

src, dst = sys.argv[1], sys.argv[2]
text = open(src).read()
anchor = '        r = sd_journal_get_data(j, "MESSAGE", &d, &l);\n'
if text.count(anchor) != 1:
    sys.exit("floor_reader.py: %s changed: the MESSAGE read to replace was found %d times, not once" % (src, text.count(anchor)))
every = '''        {
            /* every field, as t3attr reads it: the first MESSAGE is the one kept */
            uint64_t mono;
            sd_id128_t boot;
            if ((r = sd_journal_get_monotonic_usec(j, &mono, &boot)) < 0) die("get_monotonic_usec", r);
            const void *fd;
            size_t fl;
            r = -ENOENT;
            sd_journal_restart_data(j);
            int e;
            while ((e = sd_journal_enumerate_data(j, &fd, &fl)) > 0)
                if (r == -ENOENT && fl >= 8 && memcmp(fd, "MESSAGE=", 8) == 0) { d = fd; l = fl; r = 0; }
            if (e < 0) die("sd_journal_enumerate_data", e);
        }
'''
open(dst, "w").write(text.replace(anchor, every))
