/**
 * The PC platform a stock Linux kernel expects (in-kernel irqchip and PIT, 16550A UART, CMOS
 * RTC, i8042, ACPI) and booting Linux on it.
 */
package io.jkvm.platform;
