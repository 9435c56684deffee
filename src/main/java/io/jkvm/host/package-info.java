/** Facts about the host jkvm runs on: memory, and what its KVM can and cannot do. */
package io.jkvm.host;
