package com.infosysta.gateway.upstream;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLHandshakeException;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.timeout.ReadTimeoutException;
import org.junit.jupiter.api.Test;

import com.infosysta.gateway.problem.ProblemType;

import static org.assertj.core.api.Assertions.assertThat;

final class UpstreamFailureClassifierTest {

	private final UpstreamFailureClassifier classifier = new UpstreamFailureClassifier();

	@Test
	void namesForbiddenResolvedAddress() {
		assertThat(this.classifier.classify(new UpstreamAddressNotAllowedException("jira.example.com")))
			.isEqualTo(ProblemType.UPSTREAM_ADDRESS_NOT_ALLOWED);
	}

	@Test
	void namesTimeoutsAs504() {
		assertThat(this.classifier.classify(new ConnectTimeoutException("connect timed out")))
			.isEqualTo(ProblemType.UPSTREAM_TIMEOUT);
		assertThat(this.classifier.classify(ReadTimeoutException.INSTANCE)).isEqualTo(ProblemType.UPSTREAM_TIMEOUT);
		assertThat(this.classifier.classify(new TimeoutException())).isEqualTo(ProblemType.UPSTREAM_TIMEOUT);
	}

	@Test
	void namesConnectionFailuresAs502() {
		assertThat(this.classifier.classify(new ConnectException("refused")))
			.isEqualTo(ProblemType.UPSTREAM_UNAVAILABLE);
		assertThat(this.classifier.classify(new SSLHandshakeException("bad certificate")))
			.isEqualTo(ProblemType.UPSTREAM_UNAVAILABLE);
		assertThat(this.classifier.classify(new UnknownHostException("jira.example.com")))
			.isEqualTo(ProblemType.UPSTREAM_UNAVAILABLE);
		assertThat(this.classifier.classify(new IOException("Connection reset by peer")))
			.isEqualTo(ProblemType.UPSTREAM_UNAVAILABLE);
	}

	@Test
	void leavesOtherFailuresToOthers() {
		assertThat(this.classifier.classify(new IllegalStateException())).isNull();
		assertThat(this.classifier.classify(new RuntimeException(new ConnectException()))).isNull();
	}

	@Test
	void namesTheHostButNoAddressInTheMessage() {
		assertThat(new UpstreamAddressNotAllowedException("jira.example.com").getMessage())
			.isEqualTo("Upstream host 'jira.example.com' resolved only to addresses that are not allowed");
	}

}
