package com.infosysta.gateway.upstream;

import java.io.IOException;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.timeout.TimeoutException;

import com.infosysta.gateway.problem.ProblemClassifier;
import com.infosysta.gateway.problem.ProblemType;

/**
 * Names the upstream call's failures: a refused, reset or prematurely closed connection or a bad certificate
 * is 502, a connect or response timeout is 504, a forbidden resolved address is 502 with its own reason.
 */
public final class UpstreamFailureClassifier implements ProblemClassifier {

	@Override
	public ProblemType classify(Throwable failure) {
		if (failure instanceof UpstreamAddressNotAllowedException) {
			return ProblemType.UPSTREAM_ADDRESS_NOT_ALLOWED;
		}
		if (failure instanceof ConnectTimeoutException || failure instanceof TimeoutException
				|| failure instanceof java.util.concurrent.TimeoutException) {
			return ProblemType.UPSTREAM_TIMEOUT;
		}
		if (failure instanceof IOException) {
			// ConnectException, PrematureCloseException, connection reset, SSLException, UnknownHostException
			return ProblemType.UPSTREAM_UNAVAILABLE;
		}
		return null;
	}

}
