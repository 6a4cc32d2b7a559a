package com.infosysta.gateway.app;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

import com.infosysta.gateway.auth.AppCatalog;
import com.infosysta.gateway.auth.AuthProperties;
import com.infosysta.gateway.auth.ForgeKeys;
import com.infosysta.gateway.auth.InstallKeys;
import com.infosysta.gateway.auth.SubjectKeys;
import com.infosysta.gateway.auth.UserCredentialFilter;
import com.infosysta.gateway.auth.VerificationMetrics;
import com.infosysta.gateway.problem.ProblemResponseWriter;
import com.infosysta.gateway.tenant.AtlassianProperties;
import com.infosysta.gateway.tenant.RegistryFileParser;
import com.infosysta.gateway.upstream.UpstreamProperties;

/** Step three: the verifiers, their key sources and the apps they verify for. */
@AutoConfiguration(after = TenantAutoConfiguration.class)
@EnableConfigurationProperties(AuthProperties.class)
public class AuthAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	Clock clock() {
		return Clock.systemUTC();
	}

	@Bean
	SubjectKeys subjectKeys(AuthProperties properties) {
		return new SubjectKeys(properties.subjectKeySecret().getBytes(StandardCharsets.UTF_8));
	}

	@Bean
	VerificationMetrics verificationMetrics(MeterRegistry meters) {
		return new VerificationMetrics(meters);
	}

	@Bean
	AppCatalog appCatalog(AuthProperties properties, UpstreamProperties upstream) {
		return new AppCatalog(properties.apps(), upstream.addressRules());
	}

	@Bean
	InstallKeys installKeys(AtlassianProperties atlassian, UpstreamProperties upstream, Clock clock,
			MeterRegistry meters) {
		String url = RegistryFileParser.parseBaseUrl(atlassian.installKeysUrl().toString(), upstream.addressRules(),
				"infosysta.gateway.atlassian.install-keys-url").toString();
		return InstallKeys.create(url, upstream.addressRules(), clock, meters);
	}

	@Bean(destroyMethod = "dispose")
	Scheduler keyRefreshScheduler() {
		return Schedulers.newSingle("key-refresh", true);
	}

	@Bean(destroyMethod = "close")
	ForgeKeys forgeKeys(AtlassianProperties atlassian, UpstreamProperties upstream, AppCatalog apps, Clock clock,
			MeterRegistry meters, Scheduler keyRefreshScheduler) {
		String url = RegistryFileParser.parseBaseUrl(atlassian.forgeJwksUrl().toString(), upstream.addressRules(),
				"infosysta.gateway.atlassian.forge-jwks-url").toString();
		ForgeKeys keys = ForgeKeys.create(url, upstream.addressRules(), clock, meters);
		if (apps.apps().values().stream().anyMatch(app -> app.forgeAudience() != null)) {
			keys.startRefreshing(keyRefreshScheduler, Duration.ofMinutes(10));
		}
		return keys;
	}

	@Bean
	UserCredentialFilter userCredentialFilter(SubjectKeys subjectKeys, VerificationMetrics metrics,
			ProblemResponseWriter problems) {
		return new UserCredentialFilter(subjectKeys, metrics, problems);
	}

}
