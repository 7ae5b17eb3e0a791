/*
 * The journald native protocol, spoken directly: a datagram of
 * "KEY=value\n" fields on /run/systemd/journal/socket, values with
 * newlines in the binary-safe form, and a sealed memfd for entries too
 * large for one datagram.  Doing this here keeps libsystemd (and the
 * compression and crypto libraries it loads) out of the handler, which
 * is exec'd once per request.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "audit.h"
#include "buf.h"

static int
journal_key_valid(const char *key)
{
	const char	*p;

	if (key[0] == '\0' || key[0] == '_' || (key[0] >= '0' && key[0] <= '9'))
		return 0;
	for (p = key; *p != '\0'; p++) {
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '_'))
			return 0;
	}
	return (p - key) <= 64;
}

int
journal_encode(const struct journal_field *fields, size_t n, struct buf *out)
{
	size_t		i, k;
	unsigned char	le[8];
	uint64_t	len;

	for (i = 0; i < n; i++) {
		const struct journal_field *f = &fields[i];

		if (!journal_key_valid(f->key))
			return -1;
		if (buf_append(out, f->key, strlen(f->key)) == -1)
			return -1;
		if (memchr(f->value, '\n', f->len) == NULL) {
			if (buf_append(out, "=", 1) == -1 ||
			    buf_append(out, f->value, f->len) == -1)
				return -1;
		} else {
			len = f->len;
			for (k = 0; k < 8; k++)
				le[k] = (unsigned char)(len >> (8 * k));
			if (buf_append(out, "\n", 1) == -1 ||
			    buf_append(out, le, sizeof(le)) == -1 ||
			    buf_append(out, f->value, f->len) == -1)
				return -1;
		}
		if (buf_append(out, "\n", 1) == -1)
			return -1;
	}
	return 0;
}

static int
journal_send_memfd(int fd, const struct sockaddr_un *sun,
    const struct buf *entry)
{
#if defined(MFD_ALLOW_SEALING) && defined(F_ADD_SEALS)
	struct msghdr	 msg;
	struct cmsghdr	*cmsg;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} control;
	int		 mfd, saved;
	size_t		 off = 0;
	ssize_t		 w;

	if ((mfd = memfd_create("carapace-audit", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING)) == -1)
		return -1;
	while (off < entry->len) {
		w = write(mfd, entry->data + off, entry->len - off);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)w;
	}
	if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_WRITE | F_SEAL_SEAL) == -1)
		goto fail;
	memset(&msg, 0, sizeof(msg));
	memset(&control, 0, sizeof(control));
	msg.msg_name = (void *)sun;
	msg.msg_namelen = sizeof(*sun);
	msg.msg_control = control.buf;
	msg.msg_controllen = sizeof(control.buf);
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &mfd, sizeof(int));
	if (sendmsg(fd, &msg, MSG_NOSIGNAL) == -1)
		goto fail;
	close(mfd);
	return 0;
fail:
	saved = errno;
	close(mfd);
	errno = saved;
	return -1;
#else
	(void)fd;
	(void)sun;
	(void)entry;
	errno = EMSGSIZE;
	return -1;
#endif
}

int
journal_send(int fd, const char *path, const struct buf *entry)
{
	struct sockaddr_un	sun;
	ssize_t			w;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	do {
		w = sendto(fd, entry->data, entry->len, MSG_NOSIGNAL,
		    (struct sockaddr *)&sun, sizeof(sun));
	} while (w == -1 && errno == EINTR);
	if (w == -1 && (errno == EMSGSIZE || errno == ENOBUFS))
		return journal_send_memfd(fd, &sun, entry);
	if (w == -1)
		return -1;
	if ((size_t)w != entry->len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}
