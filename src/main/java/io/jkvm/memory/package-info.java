/**
 * Guest RAM: host memory regions at guest-physical addresses, with every access bounds-checked
 * so that nothing a guest names can reach host memory outside its RAM.
 */
package io.jkvm.memory;
