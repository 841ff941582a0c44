/* See output.h. */
#define _POSIX_C_SOURCE 200809L /* O_CLOEXEC */
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_2xx(long status)
{
    return status >= 200 && status <= 299;
}

static void fail(bp_request *r, const char *what, int err)
{
    if (r->out_errno == 0) { /* the first failure is the cause */
        r->out_errno = err ? err : EIO;
        r->out_what = what;
    }
}

static int open_output(bp_request *r)
{
    struct stat st;
    r->out_fd = open(r->output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (r->out_fd < 0) {
        fail(r, "cannot open", errno);
        return 0;
    }
    /* Only a regular file is ever removed: never /dev/null or a FIFO. */
    r->out_regular = fstat(r->out_fd, &st) == 0 && S_ISREG(st.st_mode);
    return 1;
}

size_t bp_output_write(bp_request *r, const char *p, size_t n)
{
    size_t left = n;
    if (r->out_state == BP_OUT_UNDECIDED) {
        long status = r->status; /* the fuzzer sets it; curl knows it here */
        if (r->easy)
            curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
        if (!is_2xx(status)) {
            r->out_state = BP_OUT_MEMORY;
        } else {
            r->out_state = BP_OUT_FILE;
            if (!open_output(r))
                return 0;
        }
    }
    if (r->out_state == BP_OUT_MEMORY)
        return bp_body_append(r, p, n);
    /* Unbuffered: curl hands over up to 16 KB at a time, and a full disk
     * shows at once, not at a later flush. */
    while (left > 0) {
        ssize_t w = write(r->out_fd, p, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            fail(r, "cannot write", errno);
            return 0;
        }
        p += w;
        left -= (size_t)w;
        r->written += (size_t)w;
    }
    return n;
}

static void close_output(bp_request *r)
{
    if (r->out_fd >= 0) {
        if (close(r->out_fd) != 0)
            fail(r, "cannot write", errno);
        r->out_fd = -1;
    }
}

void bp_output_finish(bp_request *r)
{
    if (r->output == NULL)
        return;
    close_output(r);
    if (r->result == CURLE_OK && r->out_errno == 0 && r->out_state == BP_OUT_UNDECIDED &&
        is_2xx(r->status)) {
        r->out_state = BP_OUT_FILE; /* a 2xx without a body: an empty file */
        if (open_output(r))
            close_output(r);
    }
    if ((r->result != CURLE_OK || r->out_errno) && r->out_state == BP_OUT_FILE && r->out_regular)
        unlink(r->output);
}

void bp_output_reset(bp_request *r)
{
    if (r->out_fd >= 0) {
        close(r->out_fd);
        r->out_fd = -1;
        if (r->out_regular)
            unlink(r->output); /* cancelled or abandoned mid-transfer: partial */
    }
    free(r->output);
    r->output = NULL;
}

static void set_text(lua_State *L, const char *k, const char *v)
{
    if (v[0]) {
        lua_pushstring(L, v);
        lua_setfield(L, -2, k);
    }
}

/* nil, "io", message, curl_code; the message is on top of the stack. */
static int push_io(lua_State *L, const bp_request *r)
{
    lua_pushnil(L);
    lua_insert(L, -2);
    lua_pushliteral(L, "io");
    lua_insert(L, -2);
    lua_pushinteger(L, (lua_Integer)r->result);
    return 4;
}

int bp_push_binary(lua_State *L, const bp_request *r)
{
    if (r->out_errno) {
        lua_pushfstring(L, "%s %s: %s", r->out_what, r->output, strerror(r->out_errno));
        return push_io(L, r);
    }
    /* The file of a multipart part vanished or became unreadable after start. */
    if (r->mime && r->result == CURLE_READ_ERROR) {
        lua_pushstring(L, r->errbuf[0] ? r->errbuf : curl_easy_strerror(r->result));
        return push_io(L, r);
    }
    if (r->result != CURLE_OK || !is_2xx(r->status) || !(r->raw || r->output))
        return 0;
    lua_pushinteger(L, (lua_Integer)r->status);
    if (r->output)
        lua_pushnil(L);
    else
        lua_pushlstring(L, r->body.len ? r->body.data : "", r->body.len);
    lua_pushnil(L);
    lua_createtable(L, 0, 5);
    lua_pushinteger(L, (lua_Integer)(r->output ? r->written : r->body.len));
    lua_setfield(L, -2, "size");
    if (r->output)
        set_text(L, "path", r->output);
    set_text(L, "content_type", r->content_type);
    set_text(L, "content_range", r->content_range);
    set_text(L, "version", r->version);
    return 4;
}
