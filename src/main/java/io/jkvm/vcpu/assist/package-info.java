/**
 * Instruction assists, decoding only: which of the instructions that a nested KVM's emulator
 * fails on at CPL0 (int3, fwait, clac, stac, serialize, ldmxcsr, stmxcsr; HOST-NOTES.md, "What a
 * VMM can do about some of them") sits at RIP, its length and where its memory operand points,
 * with no KVM and no I/O.
 */
package io.jkvm.vcpu.assist;
