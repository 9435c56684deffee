# Demo 2 (MISSION.md, "kvmsample"): 16-bit real mode. Zeroes AX, then writes AX to port 0x10
# and increments it, forever. Loaded at 0x1000 and started there (CS = 0, IP = 0x1000): jkvm
# does not rely on the original program's fall-through-zeroed-memory accident.
# Run: ./jkvm demo counter --exits 10
#@ text=0x1000 bits=16
        .code16
        .globl _start
_start:
        xor     %ax, %ax
loop:
        out     %ax, $0x10
        inc     %ax
        jmp     loop
