/**
 * Measures how late a thread that sleeps 0.5 ms at a time wakes up, to tell scheduling delays of
 * the machine from pauses of the server. Run beside a benchmark: {@code java
 * benchmarks/server/WakeupProbe.java 60}.
 */
public class WakeupProbe {
    public static void main(String[] args) throws InterruptedException {
        long seconds = args.length > 0 ? Long.parseLong(args[0]) : 30;
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        long samples = 0, over1 = 0, over5 = 0, max = 0;
        StringBuilder worst = new StringBuilder();
        while (System.nanoTime() < end) {
            long before = System.nanoTime();
            Thread.sleep(0, 500_000);
            long late = System.nanoTime() - before - 500_000;
            samples++;
            over1 += late > 1_000_000 ? 1 : 0;
            over5 += late > 5_000_000 ? 1 : 0;
            if (late > 15_000_000) {
                worst.append(String.format(" %.1fms@%.1fs", late / 1e6, (before - start) / 1e9));
            }
            max = Math.max(max, late);
        }
        System.out.printf(
                "wake-ups=%d late>1ms=%d late>5ms=%d max=%.1fms late>15ms:%s%n",
                samples, over1, over5, max / 1e6, worst);
    }
}
