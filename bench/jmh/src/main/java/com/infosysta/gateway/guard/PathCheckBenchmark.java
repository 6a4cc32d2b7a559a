package com.infosysta.gateway.guard;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The strict path check every request passes first, on the paths the gateway sees most (an issue, a search) and
 * on the kinds it must read byte by byte (percent-encoded UTF-8) or refuse ({@code ..} encoded). The check is a
 * single pass without allocation on success; run with {@code -prof gc} to see that it stays so.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(1)
public class PathCheckBenchmark {

	private String issue;

	private String search;

	private String encoded;

	private String refused;

	@Setup
	public void setUp() {
		// Fields, so the JIT cannot fold the checks into constants.
		this.issue = "/jira/acme/rest/api/3/issue/DEMO-1";
		this.search = "/apps/outlook-to-jira/jira/rest/api/3/search";
		this.encoded = "/jira/acme/rest/api/3/attachment/content/r%C3%A9sum%C3%A9%20%E2%82%AC%20final.pdf";
		this.refused = "/jira/acme/rest/api/3/%2e%2e/secure/admin";
		for (String path : new String[] { this.issue, this.search, this.encoded }) {
			if (PathCheck.problem(path) != null) {
				throw new IllegalStateException("must pass: " + path);
			}
		}
		if (PathCheck.problem(this.refused) == null) {
			throw new IllegalStateException("must be refused: " + this.refused);
		}
	}

	/** An issue on /jira/{tenant} (34 characters). */
	@Benchmark
	public String issuePath() {
		return PathCheck.problem(this.issue);
	}

	/** An app UI's search on /apps/{app}/jira (44 characters). */
	@Benchmark
	public String appSearchPath() {
		return PathCheck.problem(this.search);
	}

	/** Percent-encoded UTF-8 (two- and three-byte sequences), checked for shortest form. */
	@Benchmark
	public String percentEncodedUtf8Path() {
		return PathCheck.problem(this.encoded);
	}

	/** An encoded {@code ..} segment: refused. */
	@Benchmark
	public String refusedPath() {
		return PathCheck.problem(this.refused);
	}

}
