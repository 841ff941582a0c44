/* See mime.h. */
#define _POSIX_C_SOURCE 200809L /* O_CLOEXEC */
#include "mime.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A clear error now rather than a read error in the middle of the upload:
 * the file must open for reading and be a regular file (or a device curl
 * can read to its end). */
static int readable(const char *path, char *err, size_t errlen)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC), e;
    if (fd < 0) {
        e = errno;
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(e));
        return 0;
    }
    e = fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
    close(fd);
    if (e) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(e));
        return 0;
    }
    return 1;
}

static int add_part(curl_mime *form, const bp_part *p, char *err, size_t errlen, int *io)
{
    curl_mimepart *part = curl_mime_addpart(form);
    CURLcode rc;
    if (part == NULL) {
        snprintf(err, errlen, "out of memory");
        return 0;
    }
    rc = curl_mime_name(part, p->name);
    if (rc == CURLE_OK && p->file) {
        if (!readable(p->file, err, errlen)) {
            *io = 1;
            return 0;
        }
        rc = curl_mime_filedata(part, p->file); /* sets filename to the basename */
    } else if (rc == CURLE_OK) {
        rc = curl_mime_data(part, p->data ? p->data : "", p->data ? p->data_len : 0);
    }
    if (rc == CURLE_OK && p->filename)
        rc = curl_mime_filename(part, p->filename);
    if (rc == CURLE_OK && p->type)
        rc = curl_mime_type(part, p->type);
    if (rc != CURLE_OK) {
        snprintf(err, errlen, "multipart part '%s': %s", p->name, curl_easy_strerror(rc));
        *io = rc == CURLE_READ_ERROR;
        return 0;
    }
    return 1;
}

curl_mime *bp_mime_build(CURL *easy, const bp_part *parts, int n, char *err, size_t errlen, int *io)
{
    curl_mime *form = curl_mime_init(easy);
    int i;
    if (form == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    for (i = 0; i < n; i++) {
        if (!add_part(form, &parts[i], err, errlen, io)) {
            curl_mime_free(form);
            return NULL;
        }
    }
    return form;
}
