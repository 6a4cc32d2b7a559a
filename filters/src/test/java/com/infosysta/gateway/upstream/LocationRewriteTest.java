package com.infosysta.gateway.upstream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

final class LocationRewriteTest {

	private static final String BASE = "https://jira.example.com/jira";

	private static final String GATEWAY_PATH = "/jira/acme";

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = {
			"https://jira.example.com/jira/browse/X-1?y=1 | /jira/acme/browse/X-1?y=1",
			"https://jira.example.com/jira                | /jira/acme",
			"https://jira.example.com/jira/               | /jira/acme/",
			"https://jira.example.com/jira?a=b            | /jira/acme?a=b",
			"https://jira.example.com/jira#top            | /jira/acme#top",
			"https://JIRA.example.com/jira/x              | /jira/acme/x",
			"HTTPS://jira.example.com/jira/x              | /jira/acme/x",
			"/jira/secure/x                               | /jira/acme/secure/x",
			"/jira                                        | /jira/acme" })
	void rewritesLocationUnderTheBase(String location, String expected) {
		assertThat(LocationRewrite.rewrite(location, BASE, GATEWAY_PATH)).isEqualTo(expected);
	}

	@ParameterizedTest
	@ValueSource(strings = { "/jiraX/a", "https://jira.example.com/jiraX", "https://jira.example.com/jiraX/a",
			"https://other.example.com/jira/x", "https://jira.example.com.evil.example/jira/x",
			"https://jira.example.com@evil.example/jira/x", "//evil.example/jira/x", "//jira.example.com/jira/x",
			"https://jira.example.com:8443/jira/x", "http://jira.example.com/jira/x", "/other/x", "jira/x",
			"https://jira.example.com/", "https://jira.example.com", "/JIRA/x", "" })
	void leavesOtherLocationsUnchanged(String location) {
		assertThat(LocationRewrite.rewrite(location, BASE, GATEWAY_PATH)).isSameAs(location);
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = {
			"https://acme.atlassian.net/browse/X | /jira/acme/browse/X",
			"https://acme.atlassian.net?x=1      | /jira/acme?x=1",
			"https://acme.atlassian.net          | /jira/acme",
			"https://acme.atlassian.net/         | /jira/acme/",
			"/browse/X                           | /jira/acme/browse/X" })
	void rewritesLocationUnderBaseWithoutPath(String location, String expected) {
		assertThat(LocationRewrite.rewrite(location, "https://acme.atlassian.net", GATEWAY_PATH)).isEqualTo(expected);
	}

	@ParameterizedTest
	@ValueSource(strings = { "https://acme.atlassian.net.evil.example/x", "https://acme.atlassian.netx/x",
			"https://acme.atlassian.net:444/x", "https://other.atlassian.net/x", "//evil.example/x" })
	void leavesOtherHostsUnchangedForBaseWithoutPath(String location) {
		assertThat(LocationRewrite.rewrite(location, "https://acme.atlassian.net", GATEWAY_PATH)).isSameAs(location);
	}

}
