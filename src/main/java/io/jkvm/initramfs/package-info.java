/** Building an initramfs (cpio "newc" archive) in Java, for test guests' user space. */
package io.jkvm.initramfs;
