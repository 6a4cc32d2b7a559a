package com.infosysta.gateway.app;

import java.util.List;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.context.annotation.Bean;

import com.infosysta.gateway.problem.ProblemClassifier;
import com.infosysta.gateway.problem.ProblemExceptionHandler;
import com.infosysta.gateway.problem.ProblemResponseWriter;

/** The one writer of the gateway's own answers and the handler that maps failures onto it. */
@AutoConfiguration
public class ProblemAutoConfiguration {

	@Bean
	ProblemResponseWriter problemResponseWriter() {
		return new ProblemResponseWriter();
	}

	@Bean
	ProblemExceptionHandler problemExceptionHandler(ProblemResponseWriter writer, List<ProblemClassifier> classifiers) {
		return new ProblemExceptionHandler(writer, classifiers);
	}

}
