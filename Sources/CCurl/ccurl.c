#include "ccurl.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* The libcurl functions used, looked up once. */
static struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_perform)(CURL *);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    void (*easy_cleanup)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    char failure[CCURL_ERROR_SIZE];
    int loaded;
} lib;

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) {
    /* Debian's libcurl4 (OpenSSL), else libcurl3-gnutls. */
    const char *names[] = {"libcurl.so.4", "libcurl-gnutls.so.4"};
    void *h = NULL;
    for (size_t i = 0; i < sizeof names / sizeof *names && !h; i++) h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(lib.failure, sizeof lib.failure, "libcurl is not installed (%s); install the libcurl4 package",
                 e ? e : "libcurl.so.4 not found");
        return;
    }
#define SYM(field, name)                                                                                   \
    do {                                                                                                   \
        *(void **)(&lib.field) = dlsym(h, name);                                                           \
        if (!lib.field) {                                                                                  \
            snprintf(lib.failure, sizeof lib.failure, "libcurl has no %s (too old a libcurl?)", name);     \
            return;                                                                                        \
        }                                                                                                  \
    } while (0)
    SYM(global_init, "curl_global_init");
    SYM(easy_init, "curl_easy_init");
    SYM(easy_setopt, "curl_easy_setopt");
    SYM(easy_perform, "curl_easy_perform");
    SYM(easy_getinfo, "curl_easy_getinfo");
    SYM(easy_cleanup, "curl_easy_cleanup");
    SYM(easy_strerror, "curl_easy_strerror");
    SYM(slist_append, "curl_slist_append");
    SYM(slist_free_all, "curl_slist_free_all");
#undef SYM
    if (lib.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(lib.failure, sizeof lib.failure, "libcurl could not be initialised");
        return;
    }
    lib.loaded = 1;
}

typedef struct transfer {
    CURL *curl;
    ccurl_head_fn on_head;
    ccurl_body_fn on_body;
    void *ctx;
    ccurl_head *head;
    int head_done;
    int stopped;
} transfer;

static void copy_info(CURL *c, CURLINFO what, char *to, size_t size) {
    char *s = NULL;
    to[0] = 0;
    if (lib.easy_getinfo(c, what, &s) == CURLE_OK && s) snprintf(to, size, "%s", s);
}

/* Fills the head from what libcurl knows and hands it over; once. */
static int give_head(transfer *t) {
    if (t->head_done) return 1;
    t->head_done = 1;
    lib.easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &t->head->status);
    copy_info(t->curl, CURLINFO_CONTENT_TYPE, t->head->content_type, sizeof t->head->content_type);
    copy_info(t->curl, CURLINFO_REDIRECT_URL, t->head->location, sizeof t->head->location);
    if (t->on_head && !t->on_head(t->ctx, t->head)) t->stopped = 1;
    return !t->stopped;
}

static size_t on_data(char *data, size_t size, size_t n, void *user) {
    transfer *t = user;
    if (!give_head(t)) return 0;
    if (n && !t->on_body(t->ctx, data, size * n)) {
        t->stopped = 1;
        return 0;
    }
    return size * n;
}

int ccurl_get(const ccurl_request *req, ccurl_head_fn on_head, ccurl_body_fn on_body, void *ctx, ccurl_head *head,
              char *error) {
    pthread_once(&once, load);
    memset(head, 0, sizeof *head);
    error[0] = 0;
    if (!lib.loaded) {
        snprintf(error, CCURL_ERROR_SIZE, "%s", lib.failure);
        return CCURL_UNAVAILABLE;
    }
    CURL *c = lib.easy_init();
    if (!c) {
        snprintf(error, CCURL_ERROR_SIZE, "libcurl could not start a request");
        return CURLE_FAILED_INIT;
    }
    transfer t = {c, on_head, on_body, ctx, head, 0, 0};
    char buf[CURL_ERROR_SIZE] = {0};
    struct curl_slist *headers = NULL;
    if (req->accept) {
        char h[256];
        snprintf(h, sizeof h, "Accept: %s", req->accept);
        headers = lib.slist_append(NULL, h);
    }
    lib.easy_setopt(c, CURLOPT_URL, req->url);
    lib.easy_setopt(c, CURLOPT_ERRORBUFFER, buf);
    lib.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    lib.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    lib.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    lib.easy_setopt(c, CURLOPT_USERAGENT, "t3attr");
    if (headers) lib.easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    lib.easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    lib.easy_setopt(c, CURLOPT_WRITEDATA, &t);
    if (req->connect_timeout_ms > 0) lib.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, req->connect_timeout_ms);
    if (req->idle_timeout_s > 0) {
        lib.easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
        lib.easy_setopt(c, CURLOPT_LOW_SPEED_TIME, req->idle_timeout_s);
    }
    if (req->total_timeout_ms > 0) lib.easy_setopt(c, CURLOPT_TIMEOUT_MS, req->total_timeout_ms);
    CURLcode r = lib.easy_perform(c);
    /* A response with no body still has a head (a redirect, a 404 without text). */
    if (r == CURLE_OK && !give_head(&t)) r = CURLE_WRITE_ERROR;
    if (r != CURLE_OK) {
        if (t.stopped)
            snprintf(error, CCURL_ERROR_SIZE, "stopped");
        else
            snprintf(error, CCURL_ERROR_SIZE, "%s", buf[0] ? buf : lib.easy_strerror(r));
        /* Trailing newlines of libcurl's messages. */
        for (size_t n = strlen(error); n > 0 && (error[n - 1] == '\n' || error[n - 1] == '\r'); n--) error[n - 1] = 0;
    }
    if (r != CURLE_OK && !t.head_done) lib.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &head->status);
    if (headers) lib.slist_free_all(headers);
    lib.easy_cleanup(c);
    return t.stopped ? CCURL_STOPPED : (int)r;
}
