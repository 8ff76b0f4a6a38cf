// Linux I/O calls the HTTP server needs that Swift's Glibc module does not export: epoll, eventfd, and
// accept4 (a GNU extension). Part of libc, so nothing extra is linked.
#ifndef GANTRY_CEPOLL_SHIM_H
#define GANTRY_CEPOLL_SHIM_H
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

// accept4 is declared only under _GNU_SOURCE, which the Glibc module is not built with.
extern int accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags);

static inline int gantry_accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags) {
    return accept4(fd, addr, addrlen, flags);
}
#endif
