/**
 * Host-side notifications: {@link io.jkvm.event.EventFd} (an eventfd(2) counter, the currency
 * of KVM's ioeventfd and irqfd) and {@link io.jkvm.event.EventLoop} (named platform threads
 * that epoll_wait on registered fds and call one handler per ready fd).
 */
package io.jkvm.event;
