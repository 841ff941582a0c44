/* The curl multi engine. See engine.h. */
#define _POSIX_C_SOURCE 200809L /* strncasecmp, fcntl, sysconf */
#include "engine.h"
#include "mime.h"
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define POOL_MAX 16
#define FD_PROBE 8 /* curl_multi_init opens 2 (its wakeup socketpair) */

size_t bp_body_append(bp_request *r, const char *ptr, size_t n)
{
    size_t need = r->body.len + n;
    if (need > r->max_body) {
        r->too_large = 1;
        return 0; /* makes curl stop with CURLE_WRITE_ERROR */
    }
    if (need + 1 > r->body.cap) {
        size_t cap = r->body.cap ? r->body.cap : 4096;
        char *p;
        while (cap < need + 1)
            cap *= 2;
        p = realloc(r->body.data, cap);
        if (p == NULL)
            return 0;
        r->body.data = p;
        r->body.cap = cap;
    }
    memcpy(r->body.data + r->body.len, ptr, n);
    r->body.len = need;
    r->body.data[need] = '\0';
    return n;
}

size_t bp_on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    bp_request *r = userdata;
    if (r->output)
        return bp_output_write(r, ptr, size * nmemb);
    return bp_body_append(r, ptr, size * nmemb);
}

/* Copies the value of header line `line` into dst when its name is `name`. */
static void capture(const char *line, size_t len, const char *name, char *dst, size_t dstlen)
{
    size_t nlen = strlen(name);
    const char *v, *end = line + len;
    size_t vlen;
    if (len <= nlen || line[nlen] != ':' || strncasecmp(line, name, nlen) != 0)
        return;
    v = line + nlen + 1;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
        end--;
    vlen = (size_t)(end - v);
    if (vlen >= dstlen)
        vlen = dstlen - 1;
    memcpy(dst, v, vlen);
    dst[vlen] = '\0';
}

size_t bp_on_header(char *line, size_t size, size_t nitems, void *userdata)
{
    bp_request *r = userdata;
    size_t n = size * nitems;
    if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        /* A new response (after a 100 Continue, say): forget the last one's. */
        r->retry_after[0] = r->retry_after_ms[0] = r->should_retry[0] = '\0';
        r->version[0] = r->content_type[0] = r->content_range[0] = '\0';
        return n;
    }
    if (n == 0)
        return n;
    /* By first letter: most lines are none of these, and this runs per line. */
    switch (line[0] | 0x20) {
    case 'r':
        capture(line, n, "retry-after", r->retry_after, sizeof r->retry_after);
        capture(line, n, "retry-after-ms", r->retry_after_ms, sizeof r->retry_after_ms);
        break;
    case 'x':
        capture(line, n, "x-should-retry", r->should_retry, sizeof r->should_retry);
        capture(line, n, "x-beeper-desktop-version", r->version, sizeof r->version);
        break;
    case 'c':
        if (r->binary) {
            capture(line, n, "content-type", r->content_type, sizeof r->content_type);
            capture(line, n, "content-range", r->content_range, sizeof r->content_range);
        }
        break;
    default:
        break;
    }
    return n;
}

static void set_cloexec(int fd)
{
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0 && !(flags & FD_CLOEXEC))
        fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

/* Connection sockets: curl's own socket() call, plus close-on-exec. */
static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
    curl_socket_t fd;
    (void)clientp;
    (void)purpose;
#ifdef SOCK_CLOEXEC
    /* Atomic: no window in which another thread's fork could inherit it. */
    fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
    if (fd != CURL_SOCKET_BAD || errno != EINVAL)
        return fd;
#endif
    fd = socket(a->family, a->socktype, a->protocol);
    if (fd != CURL_SOCKET_BAD)
        set_cloexec(fd);
    return fd;
}

/* Fills out[] with the lowest descriptors not open now; returns how many. */
static int free_fds(int *out, int n)
{
    long max = sysconf(_SC_OPEN_MAX);
    int fd, k = 0;
    if (max < 0 || max > 1L << 20)
        max = 1L << 20;
    for (fd = 0; k < n && fd < max; fd++)
        if (fcntl(fd, F_GETFD) == -1 && errno == EBADF)
            out[k++] = fd;
    return k;
}

int bp_engine_init(bp_engine *e)
{
    int probe[FD_PROBE], n, i;
    memset(e, 0, sizeof *e);
    /* curl_multi_init makes a wakeup socketpair without close-on-exec and
     * does not expose it. POSIX hands out the lowest free descriptors, so
     * the sockets that appear in the lowest free slots are curl's. */
    n = free_fds(probe, FD_PROBE);
    e->multi = curl_multi_init();
    for (i = 0; i < n; i++) {
        struct stat st;
        if (fstat(probe[i], &st) == 0 && S_ISSOCK(st.st_mode))
            set_cloexec(probe[i]);
    }
    e->next_id = 1;
    return e->multi != NULL && bp_watch_init(&e->watch, e->multi);
}

static void request_free(bp_request *r)
{
    if (r->easy)
        curl_easy_cleanup(r->easy);
    curl_slist_free_all(r->headers);
    free(r->body.data);
    free(r);
}

static void unlink_active(bp_engine *e, bp_request *r)
{
    if (r->prev)
        r->prev->next = r->next;
    else
        e->active = r->next;
    if (r->next)
        r->next->prev = r->prev;
    r->next = r->prev = NULL;
}

static void unlink_done(bp_engine *e, bp_request *r)
{
    bp_request **pp = &e->done_head, *last = NULL;
    while (*pp && *pp != r) {
        last = *pp;
        pp = &(*pp)->done_next;
    }
    if (*pp == NULL)
        return;
    *pp = r->done_next;
    if (e->done_tail == r)
        e->done_tail = last;
    r->done_next = NULL;
}

void bp_engine_close(bp_engine *e)
{
    while (e->active)
        bp_engine_cancel(e, e->active->id);
    while (e->pool) {
        bp_request *r = e->pool;
        e->pool = r->next;
        request_free(r);
    }
    e->pool_size = 0;
    if (e->multi) {
        curl_multi_cleanup(e->multi);
        e->multi = NULL;
    }
    bp_watch_free(&e->watch); /* after the cleanup: it may still report sockets */
}

/* Takes an idle request from the pool, or makes one. */
static bp_request *request_get(bp_engine *e)
{
    bp_request *r = e->pool;
    if (r) {
        e->pool = r->next;
        e->pool_size--;
        r->body.len = 0; /* the handle is reset by bp_engine_start when its setup differs */
    } else {
        r = calloc(1, sizeof *r);
        if (r == NULL)
            return NULL;
        r->easy = curl_easy_init();
        if (r->easy == NULL) {
            free(r);
            return NULL;
        }
    }
    r->next = r->prev = r->done_next = NULL;
    r->too_large = 0;
    r->status = 0;
    r->result = CURLE_OK;
    r->errbuf[0] = r->retry_after[0] = r->retry_after_ms[0] = r->should_retry[0] = '\0';
    r->version[0] = r->content_type[0] = r->content_range[0] = '\0';
    r->binary = r->raw = 0;
    r->out_fd = -1; /* output and mime are NULL: request_put cleared them */
    r->out_regular = r->out_errno = 0;
    r->out_state = BP_OUT_UNDECIDED;
    r->out_what = NULL;
    r->written = 0;
    return r;
}

/* Back to a handle with no options, before a full configure. */
static void forget_setup(bp_request *r)
{
    curl_easy_reset(r->easy);
    curl_slist_free_all(r->headers);
    r->headers = NULL;
    r->reusable = 0;
}

static void request_put(bp_engine *e, bp_request *r)
{
    if (!r->reusable) { /* a reusable handle keeps its header list: curl points at it */
        curl_slist_free_all(r->headers);
        r->headers = NULL;
    }
    /* The handle is out of the multi: curl reads neither any more. */
    curl_mime_free(r->mime);
    r->mime = NULL;
    bp_output_reset(r);
    if (e->pool_size >= POOL_MAX || e->multi == NULL) {
        request_free(r);
        return;
    }
    if (r->body.cap > 1 << 20) { /* do not keep a huge buffer around */
        free(r->body.data);
        r->body.data = NULL;
        r->body.cap = 0;
    }
    r->next = e->pool;
    e->pool = r;
    e->pool_size++;
}

static int add_header(bp_request *r, const char *line)
{
    struct curl_slist *l = curl_slist_append(r->headers, line);
    if (l == NULL)
        return 0;
    r->headers = l;
    return 1;
}

/* "Content-Type: ..." or curl's "Content-Type;" (an empty value). */
static int is_content_type(const char *line)
{
    return strncasecmp(line, "Content-Type", 12) == 0 &&
           (line[12] == ':' || line[12] == ';' || line[12] == ' ' || line[12] == '\t');
}

static int configure(bp_request *r, const bp_spec *s)
{
    CURL *h = r->easy;
    CURLcode rc = CURLE_OK;
    int i, typed = 0;
    for (i = 0; i < s->nheaders; i++) {
        /* A form's Content-Type is curl's: multipart/form-data and its boundary. */
        if (r->mime && is_content_type(s->headers[i]))
            continue;
        if (!add_header(r, s->headers[i]))
            return 0;
        typed = typed || is_content_type(s->headers[i]);
    }
    /* An empty "Expect:" stops curl from waiting for 100 Continue, and an
     * empty "Content-Type:" from labelling a POST form-urlencoded. */
    if (!add_header(r, "Expect:") || (!typed && !r->mime && !add_header(r, "Content-Type:")))
        return 0;
    r->max_body = s->max_body;
#define SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(h, opt, val); } while (0)
    SET(CURLOPT_URL, s->url);
    SET(CURLOPT_PRIVATE, (void *)r);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_FOLLOWLOCATION, 0L); /* a redirect must never carry the token elsewhere */
    SET(CURLOPT_PATH_AS_IS, 1L);     /* the path is already encoded: never rewrite it */
#if LIBCURL_VERSION_NUM >= 0x075500
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    SET(CURLOPT_HTTPHEADER, r->headers);
    SET(CURLOPT_WRITEFUNCTION, bp_on_body);
    SET(CURLOPT_WRITEDATA, (void *)r);
    SET(CURLOPT_HEADERFUNCTION, bp_on_header);
    SET(CURLOPT_HEADERDATA, (void *)r);
    SET(CURLOPT_ERRORBUFFER, r->errbuf);
    SET(CURLOPT_OPENSOCKETFUNCTION, open_socket);
    SET(CURLOPT_TIMEOUT_MS, s->timeout_ms);
    SET(CURLOPT_CONNECTTIMEOUT_MS, s->connect_timeout_ms);
    /* A declared Content-Length over the cap fails before any byte is read;
     * a body streamed to a file has no cap (its non-2xx body is still
     * capped, by bp_body_append). */
    if (s->output == NULL)
        SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s->max_body);
    if (s->fresh) /* a non-idempotent send: never on a connection that may be closing */
        SET(CURLOPT_FRESH_CONNECT, 1L);
    /* "" turns off the environment's proxies (http_proxy, ALL_PROXY...);
     * an explicit proxy is used for every host, whatever NO_PROXY says. */
    SET(CURLOPT_PROXY, s->proxy ? s->proxy : "");
    if (s->proxy)
        SET(CURLOPT_NOPROXY, "");
    if (r->mime) {
        /* Files of known size: Content-Length, never chunked. */
        SET(CURLOPT_MIMEPOST, r->mime);
        if (strcmp(s->method, "POST") != 0)
            SET(CURLOPT_CUSTOMREQUEST, s->method); /* PUT or PATCH with a form */
    } else {
        if (s->body) {
            /* Sized body: Content-Length, never chunked. */
            SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)s->body_len);
            SET(CURLOPT_COPYPOSTFIELDS, s->body);
        }
        if (strcmp(s->method, "POST") == 0) {
            if (s->body == NULL) {
                SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
                SET(CURLOPT_COPYPOSTFIELDS, "");
            }
        } else if (strcmp(s->method, "GET") == 0) {
            if (s->body == NULL)
                SET(CURLOPT_HTTPGET, 1L);
            else
                SET(CURLOPT_CUSTOMREQUEST, "GET");
        } else {
            SET(CURLOPT_CUSTOMREQUEST, s->method); /* PUT, PATCH, DELETE: body or not */
        }
    }
#undef SET
    return rc == CURLE_OK;
}

/* A JSON request in memory, with no proxy: the common case, whose setup a
 * pooled handle keeps. */
static int plain(const bp_spec *s)
{
    return !s->raw && s->output == NULL && s->nparts == 0 && !s->fresh && s->proxy == NULL &&
           strlen(s->method) < sizeof ((bp_request *)0)->setup_method;
}

/* True when r's handle is configured exactly as s would configure it. */
static int same_setup(const bp_request *r, const bp_spec *s)
{
    const struct curl_slist *l = r->headers;
    int i;
    if (!r->reusable || !plain(s) || r->setup_nheaders != s->nheaders ||
        r->setup_body != (s->body != NULL) || r->setup_timeout_ms != s->timeout_ms ||
        r->setup_connect_ms != s->connect_timeout_ms || r->setup_max_body != s->max_body ||
        strcmp(r->setup_method, s->method) != 0)
        return 0;
    for (i = 0; i < s->nheaders; i++, l = l->next)
        if (l == NULL || strcmp(l->data, s->headers[i]) != 0)
            return 0;
    return 1;
}

static void remember_setup(bp_request *r, const bp_spec *s)
{
    r->reusable = plain(s);
    if (!r->reusable)
        return;
    strcpy(r->setup_method, s->method); /* plain() checked its length */
    r->setup_body = s->body != NULL;
    r->setup_nheaders = s->nheaders;
    r->setup_timeout_ms = s->timeout_ms;
    r->setup_connect_ms = s->connect_timeout_ms;
    r->setup_max_body = s->max_body;
}

/* The fast path of configure: the same setup, another URL and body. */
static int reconfigure(bp_request *r, const bp_spec *s)
{
    CURLcode rc = curl_easy_setopt(r->easy, CURLOPT_URL, s->url);
    if (rc == CURLE_OK && s->body) {
        rc = curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)s->body_len);
        if (rc == CURLE_OK)
            rc = curl_easy_setopt(r->easy, CURLOPT_COPYPOSTFIELDS, s->body);
    }
    return rc == CURLE_OK;
}

/* Issue 13's options: the owned copy of the output path and the form. */
static int prepare(bp_request *r, const bp_spec *s, char *err, size_t errlen, int *io)
{
    r->raw = s->raw;
    r->binary = s->raw || s->output || s->nparts > 0;
    if (s->output) {
        size_t n = strlen(s->output) + 1;
        r->output = malloc(n);
        if (r->output == NULL) {
            snprintf(err, errlen, "out of memory");
            return 0;
        }
        memcpy(r->output, s->output, n);
    }
    if (s->nparts > 0) {
        r->mime = bp_mime_build(r->easy, s->parts, s->nparts, err, errlen, io);
        if (r->mime == NULL)
            return 0;
    }
    return 1;
}

long bp_engine_start(bp_engine *e, const bp_spec *spec, char *err, size_t errlen, int *io)
{
    bp_request *r;
    CURLMcode mc;
    *io = 0;
    if (e->multi == NULL) {
        snprintf(err, errlen, "client is closed");
        return -1;
    }
    r = request_get(e);
    if (r == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (same_setup(r, spec)) {
        if (!reconfigure(r, spec)) {
            r->reusable = 0; /* half set: the next start resets it */
            snprintf(err, errlen, "could not configure the transfer");
            request_put(e, r);
            return -1;
        }
    } else {
        forget_setup(r);
        if (!prepare(r, spec, err, errlen, io)) {
            request_put(e, r);
            return -1;
        }
        if (!configure(r, spec)) {
            snprintf(err, errlen, "could not configure the transfer");
            request_put(e, r);
            return -1;
        }
        remember_setup(r, spec);
    }
    mc = curl_multi_add_handle(e->multi, r->easy);
    if (mc != CURLM_OK) {
        snprintf(err, errlen, "%s", curl_multi_strerror(mc));
        request_put(e, r);
        return -1;
    }
    r->id = e->next_id++;
    r->state = BP_RUNNING;
    r->next = e->active;
    if (e->active)
        e->active->prev = r;
    e->active = r;
    return r->id;
}

/* Moves transfers curl reports as finished into the done queue. */
static void collect(bp_engine *e)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(e->multi, &left)) != NULL) {
        bp_request *r = NULL;
        if (m->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
        r->result = m->data.result;
        curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->status);
        curl_multi_remove_handle(e->multi, r->easy);
        if (r->version[0])
            memcpy(e->server_version, r->version, sizeof e->server_version);
        if (r->output)
            bp_output_finish(r);
        r->state = BP_DONE;
        if (e->done_tail)
            e->done_tail->done_next = r;
        else
            e->done_head = r;
        e->done_tail = r;
    }
}

int bp_engine_perform(bp_engine *e)
{
    if (e->multi == NULL)
        return 0;
    if (e->evented)
        bp_watch_perform(e->multi, &e->running); /* keeps the watched sockets right */
    else
        curl_multi_perform(e->multi, &e->running);
    collect(e);
    return e->running;
}

void bp_engine_evented(bp_engine *e)
{
    if (e->evented || e->multi == NULL)
        return;
    e->evented = 1;
    bp_watch_timer(&e->watch, e->multi); /* cannot fail: a valid handle and option */
    /* Transfers that plain perform() advanced may hold sockets curl has not
     * reported: one perform with the socket comparison reports them, and
     * curl's current deadline with them. */
    bp_watch_perform(e->multi, &e->running);
    collect(e);
    if (e->done_head)
        bp_watch_soon(&e->watch); /* finished work no socket will announce */
}

int bp_engine_socket_action(bp_engine *e, curl_socket_t fd, int events)
{
    if (e->multi == NULL)
        return 0;
    curl_multi_socket_action(e->multi, fd, events, &e->running);
    collect(e);
    return e->running;
}

long bp_engine_timeout(bp_engine *e)
{
    long ms = -1;
    if (e->multi)
        curl_multi_timeout(e->multi, &ms);
    return ms;
}

void bp_engine_poll(bp_engine *e, int ms)
{
    if (e->multi)
        curl_multi_poll(e->multi, NULL, 0, ms < 0 ? 0 : ms, NULL);
}

void bp_engine_wait(bp_engine *e, int ms)
{
    /* A finished transfer waiting to be collected is news enough. */
    if (e->done_head == NULL)
        bp_engine_poll(e, ms);
}

long bp_engine_next_done(bp_engine *e)
{
    bp_request *r = e->done_head;
    if (r == NULL)
        return 0;
    e->done_head = r->done_next;
    if (e->done_head == NULL)
        e->done_tail = NULL;
    r->done_next = NULL;
    return r->id;
}

bp_request *bp_engine_find(bp_engine *e, long id)
{
    bp_request *r;
    for (r = e->active; r; r = r->next)
        if (r->id == id)
            return r;
    return NULL;
}

void bp_engine_detach(bp_engine *e, bp_request *r)
{
    unlink_done(e, r);
    unlink_active(e, r);
}

void bp_engine_recycle(bp_engine *e, bp_request *r)
{
    request_put(e, r);
}

void bp_engine_release(bp_engine *e, bp_request *r)
{
    bp_engine_detach(e, r);
    request_put(e, r);
}

int bp_engine_cancel(bp_engine *e, long id)
{
    bp_request *r = bp_engine_find(e, id);
    if (r == NULL)
        return 0;
    if (r->state == BP_RUNNING && e->multi)
        curl_multi_remove_handle(e->multi, r->easy);
    bp_engine_release(e, r);
    return 1;
}

int bp_engine_count(const bp_engine *e)
{
    int n = 0;
    const bp_request *r;
    for (r = e->active; r; r = r->next)
        n++;
    return n;
}
