package com.infosysta.gateway.resilience;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.http.HttpHeaders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;

final class CoolDownsTest {

	private static final long SECOND = 1_000_000_000L;

	/** The wall clock behind HTTP dates and X-RateLimit-Reset: Friday, 20 November 2026, 10:15:20 UTC. */
	private static final Instant NOW = Instant.parse("2026-11-20T10:15:20Z");

	/** The hand-driven nano clock; starts far from zero so nothing depends on time 0 being special. */
	private final AtomicLong now = new AtomicLong(5_000 * SECOND);

	private final CoolDowns coolDowns = new CoolDowns(this.now::get, Clock.fixed(NOW, ZoneOffset.UTC),
			Duration.ofSeconds(60));

	@Test
	void retryAfterInSecondsStartsACoolDownOfThatLength() {
		Duration started = this.coolDowns.recordTooManyRequests("acme", "alice", headers("Retry-After", "30"));

		assertThat(started).isEqualTo(Duration.ofSeconds(30));
		assertThat(this.coolDowns.remainingNanos("acme", "alice")).isEqualTo(30 * SECOND);
	}

	@Test
	void retryAfterAsAnHttpDateCountsFromTheWallClock() {
		Duration started = this.coolDowns.recordTooManyRequests("acme", "alice",
				headers("Retry-After", "Fri, 20 Nov 2026 10:15:40 GMT"));

		assertThat(started).isEqualTo(Duration.ofSeconds(20));
		assertThat(this.coolDowns.remainingNanos("acme", "alice")).isEqualTo(20 * SECOND);
	}

	@Test
	void xRateLimitResetInJirasMinuteFormIsUsedWhenThereIsNoRetryAfter() {
		Duration started = this.coolDowns.recordTooManyRequests("acme", "alice",
				headers("X-RateLimit-Reset", "2026-11-20T10:16Z"));

		assertThat(started).isEqualTo(Duration.ofSeconds(40));
		assertThat(this.coolDowns.remainingNanos("acme", "alice")).isEqualTo(40 * SECOND);
	}

	@Test
	void retryAfterWinsOverXRateLimitReset() {
		HttpHeaders headers = headers("Retry-After", "5");
		headers.set("X-RateLimit-Reset", "2026-11-20T10:16Z");

		assertThat(this.coolDowns.recordTooManyRequests("acme", "alice", headers)).isEqualTo(Duration.ofSeconds(5));
	}

	@Test
	void capsWhatJiraAsksForAtTheConfiguredMaximum() {
		Duration started = this.coolDowns.recordTooManyRequests("acme", "alice", headers("Retry-After", "3600"));

		assertThat(started).isEqualTo(Duration.ofSeconds(60));
		assertThat(this.coolDowns.remainingNanos("acme", "alice")).isEqualTo(60 * SECOND);
	}

	@Test
	void a429WithoutWaitHeadersStartsNoCoolDown() {
		Duration started = this.coolDowns.recordTooManyRequests("acme", "alice", new HttpHeaders());

		assertThat(started).isZero();
		assertThat(this.coolDowns.remainingNanos("acme", "alice")).isZero();
		assertThat(this.coolDowns.remainingNanos("acme", null)).isZero();
	}

	@Test
	void withoutARateLimitReasonTheWholeTenantWaits() {
		this.coolDowns.recordTooManyRequests("acme", "alice", headers("Retry-After", "30"));

		assertThat(this.coolDowns.remainingNanos("acme", "bob")).isEqualTo(30 * SECOND);
		assertThat(this.coolDowns.remainingNanos("acme", null)).isEqualTo(30 * SECOND);
		assertThat(this.coolDowns.remainingNanos("globex", "alice")).as("another tenant").isZero();
	}

	@ParameterizedTest
	@ValueSource(strings = { "jira-quota-tenant-based", "jira-quota-global-based" })
	void aTenantOrGlobalQuotaReasonHoldsTheWholeTenant(String reason) {
		HttpHeaders headers = headers("Retry-After", "30");
		headers.set("RateLimit-Reason", reason);

		this.coolDowns.recordTooManyRequests("acme", "alice", headers);

		assertThat(this.coolDowns.remainingNanos("acme", "alice")).isEqualTo(30 * SECOND);
		assertThat(this.coolDowns.remainingNanos("acme", "bob")).isEqualTo(30 * SECOND);
		assertThat(this.coolDowns.remainingNanos("acme", null)).isEqualTo(30 * SECOND);
		assertThat(this.coolDowns.remainingNanos("globex", "alice")).isZero();
	}

	@ParameterizedTest
	@ValueSource(strings = { "jira-burst-based", "jira-per-issue-on-write" })
	void aPerUserReasonHoldsOnlyThatSubject(String reason) {
		HttpHeaders headers = headers("Retry-After", "30");
		headers.set("RateLimit-Reason", reason);

		this.coolDowns.recordTooManyRequests("acme", "alice", headers);

		assertThat(this.coolDowns.remainingNanos("acme", "alice")).isEqualTo(30 * SECOND);
		assertThat(this.coolDowns.remainingNanos("acme", "bob")).as("another subject of the tenant").isZero();
		assertThat(this.coolDowns.remainingNanos("acme", null)).as("the tenant as a whole").isZero();
		assertThat(this.coolDowns.remainingNanos("globex", "alice")).as("the same subject key in another tenant")
			.isZero();
	}

	@Test
	void withoutASubjectEvenAPerUserReasonHoldsTheWholeTenant() {
		HttpHeaders headers = headers("Retry-After", "30");
		headers.set("RateLimit-Reason", "jira-burst-based");

		this.coolDowns.recordTooManyRequests("acme", null, headers);

		assertThat(this.coolDowns.remainingNanos("acme", "bob")).isEqualTo(30 * SECOND);
		assertThat(this.coolDowns.remainingNanos("acme", null)).isEqualTo(30 * SECOND);
	}

	@Test
	void endsExactlyWhenTheTimeHasPassed() {
		this.coolDowns.recordTooManyRequests("acme", "alice", headers("Retry-After", "30"));

		this.now.addAndGet(30 * SECOND - 1);
		assertThat(this.coolDowns.remainingNanos("acme", "alice")).isEqualTo(1);

		this.now.addAndGet(1);
		assertThat(this.coolDowns.remainingNanos("acme", "alice")).isZero();
		assertThat(this.coolDowns.remainingNanos("acme", "bob")).isZero();
	}

	@Test
	void aLongerLaterCoolDownExtendsTheCurrentOne() {
		this.coolDowns.recordTooManyRequests("acme", "alice", headers("Retry-After", "10"));
		this.now.addAndGet(5 * SECOND);

		this.coolDowns.recordTooManyRequests("acme", "alice", headers("Retry-After", "20"));

		assertThat(this.coolDowns.remainingNanos("acme", "alice")).isEqualTo(20 * SECOND);
	}

	@Test
	void aShorterLaterCoolDownDoesNotShortenTheCurrentOne() {
		this.coolDowns.recordTooManyRequests("acme", "alice", headers("Retry-After", "30"));
		this.now.addAndGet(5 * SECOND);

		this.coolDowns.recordTooManyRequests("acme", "alice", headers("Retry-After", "2"));

		assertThat(this.coolDowns.remainingNanos("acme", "alice")).isEqualTo(25 * SECOND);
	}

	@Test
	void aSubjectWaitsForTheLongerOfItsOwnAndItsTenantsCoolDown() {
		HttpHeaders burst = headers("Retry-After", "40");
		burst.set("RateLimit-Reason", "jira-burst-based");
		this.coolDowns.recordTooManyRequests("acme", "alice", burst);
		this.coolDowns.recordTooManyRequests("acme", "bob", headers("Retry-After", "10"));

		assertThat(this.coolDowns.remainingNanos("acme", "alice")).isEqualTo(40 * SECOND);
		assertThat(this.coolDowns.remainingNanos("acme", "carol")).isEqualTo(10 * SECOND);
	}

	@ParameterizedTest
	@ValueSource(strings = { "soon", "", "-5", "0", "1.5", "Fri, 32 Nov 2026 10:15:40 GMT",
			"Mon, 20 Nov 2026 10:15:40 GMT", "2026-11-20T10:16Z" })
	void anUnreadableOrNonPositiveRetryAfterStartsNoCoolDown(String retryAfter) {
		HttpHeaders headers = headers("Retry-After", retryAfter);

		assertThatNoException()
			.isThrownBy(() -> assertThat(this.coolDowns.recordTooManyRequests("acme", "alice", headers)).isZero());
		assertThat(this.coolDowns.remainingNanos("acme", "alice")).isZero();
	}

	@ParameterizedTest
	@ValueSource(strings = { "tomorrow", "2026-11-20", "2026-11-20T10:16", "2026-13-20T10:16Z",
			"2026-11-20T10:14Z" })
	void anUnreadableOrPastXRateLimitResetStartsNoCoolDown(String reset) {
		HttpHeaders headers = headers("X-RateLimit-Reset", reset);

		assertThatNoException()
			.isThrownBy(() -> assertThat(this.coolDowns.recordTooManyRequests("acme", "alice", headers)).isZero());
		assertThat(this.coolDowns.remainingNanos("acme", "alice")).isZero();
	}

	@Test
	void anUnreadableRetryAfterFallsBackToXRateLimitReset() {
		HttpHeaders headers = headers("Retry-After", "soon");
		headers.set("X-RateLimit-Reset", "2026-11-20T10:16Z");

		assertThat(this.coolDowns.recordTooManyRequests("acme", "alice", headers)).isEqualTo(Duration.ofSeconds(40));
	}

	private static HttpHeaders headers(String name, String value) {
		HttpHeaders headers = new HttpHeaders();
		headers.set(name, value);
		return headers;
	}

}
