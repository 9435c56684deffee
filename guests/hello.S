# Demo 1 (MISSION.md): 16-bit real mode. The host sets RAX = RBX = 2; the guest prints
# AL + BL as a digit ('4') and a newline on COM1 (port 0x3f8), then halts.
# Run: ./jkvm demo hello   (loaded at 0x1000, CS = 0, IP = 0x1000, RFLAGS = 0x2)
#@ text=0x1000 bits=16
        .code16
        .globl _start
_start:
        mov     $0x3f8, %dx
        add     %bl, %al
        add     $'0', %al
        out     %al, (%dx)
        mov     $'\n', %al
        out     %al, (%dx)
        hlt
