package com.infosysta.gateway.it;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.netty.handler.timeout.ReadTimeoutException;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * When a test fails because something did not answer in time (a read timeout, a blocking wait, an Awaitility
 * condition), prints where every thread was: the test JVM's threads with their whole stacks (in-process gateways,
 * the test clients' event loops; ThreadInfo's own text stops at eight frames), then {@code jcmd Thread.print} of
 * every JVM the tests started (gateway processes). It goes to standard error, which Failsafe keeps in the test's
 * output report, so an intermittent hang leaves a record. Registered for every test by JUnit's extension
 * auto-detection (src/test/resources); the failure itself is rethrown unchanged.
 */
public final class ThreadDump implements TestExecutionExceptionHandler {

	@Override
	public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
		if (isTimeout(failure)) {
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
		ProcessHandle.current()
			.descendants()
			.filter(child -> child.info().command().map(command -> command.endsWith("/java")).orElse(false))
			.forEach(ThreadDump::printChild);
	}

	private static void printChild(ProcessHandle child) {
		try {
			Process jcmd = new ProcessBuilder("jcmd", Long.toString(child.pid()), "Thread.print")
				.redirectErrorStream(true)
				.start();
			String dump = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			jcmd.waitFor(30, TimeUnit.SECONDS);
			System.err.print("Thread dump of process " + child.pid() + ":\n" + dump);
		}
		catch (IOException ex) {
			System.err.println("No thread dump of process " + child.pid() + ": " + ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
