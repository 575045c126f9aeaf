#ifndef T3ATTR_CCURL_H
#define T3ATTR_CCURL_H
/*
 * One HTTP GET through libcurl, loaded with dlopen the first time it is used
 * (issue 16: linking libcurl, and FoundationNetworking over it, loaded 35
 * libraries and cost about 6 ms of every run's start, --url and --prometheus
 * or not).
 */
#include <stddef.h>

/* ccurl_get's result when libcurl itself cannot be loaded. */
#define CCURL_UNAVAILABLE (-1)
/* libcurl's CURLE_OPERATION_TIMEDOUT and CURLE_WRITE_ERROR (a callback said stop). */
#define CCURL_TIMED_OUT 28
#define CCURL_STOPPED 23
#define CCURL_ERROR_SIZE 256

typedef struct ccurl_head {
    long status;
    /* Content-Type and, for a redirect, where it points; empty when absent. */
    char content_type[256];
    char location[1024];
} ccurl_head;

typedef struct ccurl_request {
    const char *url;
    /* The Accept header, or NULL. */
    const char *accept;
    /* Connecting may take this long (ms); 0: libcurl's default. */
    long connect_timeout_ms;
    /* A connected server may send nothing for this long (s) before the request fails; 0: forever. */
    long idle_timeout_s;
    /* The whole request may take this long (ms); 0: forever. */
    long total_timeout_ms;
} ccurl_request;

/* The response's head, once, before any of its body: nonzero to go on. */
typedef int (*ccurl_head_fn)(void *ctx, const ccurl_head *head);
/* A piece of the body: nonzero to go on. */
typedef int (*ccurl_body_fn)(void *ctx, const char *data, size_t len);

/*
 * GETs req->url, redirects not followed, http and https only. Returns 0 when
 * the whole body arrived, CCURL_UNAVAILABLE when libcurl cannot be loaded,
 * else libcurl's error code (CCURL_STOPPED when a callback said stop).
 * `error` gets a text for anything but 0 (CCURL_ERROR_SIZE bytes).
 */
int ccurl_get(const ccurl_request *req, ccurl_head_fn on_head, ccurl_body_fn on_body, void *ctx, ccurl_head *head,
              char *error);

#endif
