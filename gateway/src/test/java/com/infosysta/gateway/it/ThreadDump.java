package com.infosysta.gateway.it;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.netty.handler.timeout.ReadTimeoutException;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * When something does not answer a test in time (a read timeout, a blocking wait, an Awaitility condition),
 * prints where every thread was: the test JVM's threads with their whole stacks (in-process gateways, the test
 * clients' event loops; ThreadInfo's own text stops at eight frames), then the dump of every gateway process a
 * test started and has not closed ({@link GatewayProcess#threadDump()}). It goes to standard error, which
 * Failsafe keeps in the test's output report, so an intermittent hang leaves a record.
 * <p>
 * {@link TestClient} calls it at the moment a call times out, while a gateway process is still running; as a
 * JUnit extension (registered for every test by auto-detection, src/test/resources) it covers the other
 * timeouts, unless a dump was printed for the same failure already. The failure is rethrown unchanged.
 */
public final class ThreadDump implements TestExecutionExceptionHandler {

	private static volatile long lastPrinted = System.nanoTime() - TimeUnit.HOURS.toNanos(1);

	@Override
	public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
		if (isTimeout(failure) && System.nanoTime() - lastPrinted > TimeUnit.MINUTES.toNanos(1)) {
			print(context.getDisplayName() + " in " + context.getRequiredTestClass().getSimpleName() + ": " + failure);
		}
		throw failure;
	}

	static boolean isTimeout(Throwable failure) {
		for (Throwable current = failure; current != null; current = current.getCause()) {
			if (current instanceof ReadTimeoutException || current instanceof ConditionTimeoutException
					|| current instanceof TimeoutException || String.valueOf(current.getMessage())
						.startsWith("Timeout on blocking read")) {
				return true;
			}
		}
		return false;
	}

	static void print(String reason) {
		lastPrinted = System.nanoTime();
		StringBuilder text = new StringBuilder("Thread dump: ").append(reason).append('\n');
		for (ThreadInfo thread : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
			text.append('"').append(thread.getThreadName()).append("\" ").append(thread.getThreadState());
			if (thread.getLockName() != null) {
				text.append(" on ").append(thread.getLockName());
			}
			if (thread.getLockOwnerName() != null) {
				text.append(" owned by \"").append(thread.getLockOwnerName()).append('"');
			}
			text.append('\n');
			for (StackTraceElement frame : thread.getStackTrace()) {
				text.append("\tat ").append(frame).append('\n');
			}
			text.append('\n');
		}
		System.err.print(text);
		for (GatewayProcess process : GatewayProcess.LIVE) {
			try {
				System.err.print(process.threadDump());
			}
			catch (IOException ex) {
				System.err.println("No thread dump of gateway process on port " + process.port + ": " + ex);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

}
