/** jkvm: a virtual machine monitor for Linux/KVM, in Java, with the FFM API. */
package io.jkvm;
