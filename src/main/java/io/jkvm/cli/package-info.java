/** The command line ({@code ./jkvm demo|run|info}): a thin picocli layer over {@link io.jkvm.api}. */
package io.jkvm.cli;
