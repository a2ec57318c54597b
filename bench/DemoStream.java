import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.earshot.audio.AudioLoader;

/**
 * A long recording anyone can rebuild, for bench/detect-speed.sh when the dataset is absent: the demo (demo/demo.wav)
 * repeated until MINUTES are reached, each copy with its own gain (-6 to +3 dB), a start shifted by 0 to 479 samples
 * (so the analysis windows fall differently) and white noise at -60 dBFS, from a fixed seed: the same bytes on every
 * machine. Written as 16-bit mono WAV at 16 kHz, piece by piece.
 *
 * <pre>java -cp target/earshot-run.jar bench/DemoStream.java demo/demo.wav OUT.wav MINUTES</pre>
 */
public final class DemoStream {
    private static final int RATE = 16_000;
    private static final long SEED = 20_261_205L;

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: DemoStream DEMO.wav OUT.wav MINUTES");
            System.exit(2);
        }
        float[] demo = AudioLoader.load16k(Path.of(args[0])).samples();
        long total = Math.round(Double.parseDouble(args[2]) * 60 * RATE);
        Random random = new Random(SEED);
        Path out = Path.of(args[1]);
        int copies = 0;
        try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(out), 1 << 16)) {
            o.write(header(total));
            ByteBuffer sample = ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN);
            long written = 0;
            while (written < total) {
                double gain = Math.pow(10, (-6 + 9 * random.nextDouble()) / 20);
                int shift = random.nextInt(480);
                copies++;
                for (int i = shift; i < demo.length && written < total; i++, written++) {
                    double v = demo[i] * gain + 0.001 * random.nextGaussian();
                    sample.clear();
                    sample.putShort((short) Math.max(-32768, Math.min(32767, Math.round(v * 32767))));
                    o.write(sample.array());
                }
            }
        }
        System.err.printf("DemoStream: %s: %.1f min, %d copies of %s (seed %d)%n", out, total / (60.0 * RATE), copies,
                args[0], SEED);
    }

    private static byte[] header(long samples) {
        long data = samples * 2;
        ByteBuffer h = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
        h.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt((int) (36 + data))
                .put("WAVE".getBytes(StandardCharsets.US_ASCII)).put("fmt ".getBytes(StandardCharsets.US_ASCII))
                .putInt(16).putShort((short) 1).putShort((short) 1).putInt(RATE).putInt(RATE * 2)
                .putShort((short) 2).putShort((short) 16).put("data".getBytes(StandardCharsets.US_ASCII))
                .putInt((int) data);
        return h.array();
    }
}
