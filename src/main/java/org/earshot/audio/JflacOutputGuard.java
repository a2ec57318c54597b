package org.earshot.audio;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.util.concurrent.Callable;

/**
 * Keeps jFLAC's debugging output off standard output. jFLAC 1.5.2 prints a line to {@code System.out} for every
 * escape-coded residual partition (valid in FLAC, and common in damaged files), and standard output belongs to
 * {@code earshot detect}'s JSON lines. {@link #run} installs, once, a {@code System.out} that drops what the
 * calling thread writes while it decodes and passes everything else through unchanged, from every other thread
 * and from this one outside decoding.
 */
final class JflacOutputGuard extends FilterOutputStream {
    private static final ThreadLocal<Boolean> DECODING = ThreadLocal.withInitial(() -> false);

    private JflacOutputGuard(OutputStream out) {
        super(out);
    }

    /** Runs jFLAC code with this thread's writes to standard output dropped. */
    static <T> T run(Callable<T> decoding) throws IOException {
        install();
        boolean outer = DECODING.get();
        DECODING.set(true);
        try {
            return decoding.call();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        } finally {
            DECODING.set(outer);
        }
    }

    private static synchronized void install() {
        if (!(System.out instanceof Guarded)) {
            // The charset the JDK gives System.out (Java 17 has no PrintStream.charset() to ask it).
            String encoding = System.getProperty("sun.stdout.encoding");
            Charset charset = encoding != null && Charset.isSupported(encoding) ? Charset.forName(encoding)
                    : Charset.defaultCharset();
            System.setOut(new Guarded(new JflacOutputGuard(System.out), charset));
        }
    }

    @Override
    public void write(int b) throws IOException {
        if (!DECODING.get()) {
            out.write(b);
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (!DECODING.get()) {
            out.write(b, off, len);
        }
    }

    /** Marks the installed stream, so that it is installed once even if others wrap or replace it later. */
    private static final class Guarded extends PrintStream {
        Guarded(OutputStream out, Charset charset) {
            super(out, true, charset);
        }
    }
}
