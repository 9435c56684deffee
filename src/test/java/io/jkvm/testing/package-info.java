/** Test support shared by every test package: the {@code kvm} tag and what a skipped test becomes. */
package io.jkvm.testing;
