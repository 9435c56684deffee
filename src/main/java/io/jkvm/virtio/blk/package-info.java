/**
 * virtio-blk (virtio 1.2 §5.2) over a raw image file: {@link io.jkvm.virtio.blk.BlockDevice} is the
 * transport-neutral {@link io.jkvm.virtio.VirtioDevice} (features, configuration space, its one
 * request queue), {@link io.jkvm.virtio.blk.BlockRequestHandler} parses and carries out one request,
 * and {@link io.jkvm.virtio.blk.DiskImage} is the host side: the locked image file, read and written
 * straight between the file and guest RAM.
 */
package io.jkvm.virtio.blk;
