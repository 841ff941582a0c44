/* The limit for our design: plain C, one reused libcurl easy handle (so one
 * keep-alive connection), each body decoded into a Lua table by lua-cjson
 * through the Lua C API. Same headers as the binding sends.
 *   c_loop URL N [POST-BODY]   prints "N wall_seconds cpu_seconds" */
#define _POSIX_C_SOURCE 200809L
#include <curl/curl.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

typedef struct {
    char *data;
    size_t len, cap;
} buffer;

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    buffer *b = ud;
    size_t add = size * n;
    if (b->len + add > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + add)
            cap *= 2;
        char *grown = realloc(b->data, cap);
        if (grown == NULL)
            return 0;
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, add);
    b->len += add;
    return add;
}

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* One request and one decode; 0 on success. */
static int request(CURL *easy, buffer *b, lua_State *L)
{
    long status = 0;
    b->len = 0;
    if (curl_easy_perform(easy) != CURLE_OK)
        return 1;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200)
        return 1;
    lua_pushvalue(L, 1); /* cjson.decode */
    lua_pushlstring(L, b->data, b->len);
    if (lua_pcall(L, 1, 1, 0) != 0 || !lua_istable(L, -1))
        return 1;
    lua_pop(L, 1);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: c_loop URL N [POST-BODY]\n");
        return 2;
    }
    const char *url = argv[1], *body = argc > 3 ? argv[3] : NULL;
    long n = strtol(argv[2], NULL, 10);

    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    lua_getglobal(L, "require");
    lua_pushstring(L, "cjson");
    if (lua_pcall(L, 1, 1, 0) != 0) {
        fprintf(stderr, "c_loop: %s\n", lua_tostring(L, -1));
        return 1;
    }
    lua_getfield(L, -1, "decode");
    lua_replace(L, 1);
    lua_settop(L, 1);

    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *easy = curl_easy_init();
    struct curl_slist *headers = NULL;
    headers = curl_slist_append(headers, "Accept: application/json");
    headers = curl_slist_append(headers, "Authorization: Bearer bench-token");
    headers = curl_slist_append(headers, "User-Agent: c-loop/1");
    headers = curl_slist_append(headers, "Expect:");
    if (body)
        headers = curl_slist_append(headers, "Content-Type: application/json");
    buffer b = {0};
    curl_easy_setopt(easy, CURLOPT_URL, url);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &b);
    if (body) {
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }

    if (request(easy, &b, L) != 0) { /* warm-up: connect once */
        fprintf(stderr, "c_loop: request failed\n");
        return 1;
    }
    double w0 = wall(), c0 = cpu();
    for (long i = 0; i < n; i++)
        if (request(easy, &b, L) != 0) {
            fprintf(stderr, "c_loop: request %ld failed\n", i);
            return 1;
        }
    printf("%ld %.6f %.6f\n", n, wall() - w0, cpu() - c0);

    free(b.data);
    curl_slist_free_all(headers);
    curl_easy_cleanup(easy);
    curl_global_cleanup();
    lua_close(L);
    return 0;
}
