package com.infosysta.gateway.it;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The name extraction MetricNamesIT relies on: names in, functions, keywords, labels and variables out. */
final class PromQlNamesTest {

	@Test
	void findsSelectorsButNotFunctionsLabelsOrGrafanaVariables() {
		assertThat(PromQlNames.of("""
				histogram_quantile(0.99, sum by (le, instance) (rate(infosysta_gateway_overhead_seconds_bucket{
				  job="infosysta-gateway", tenant=~"$tenant"}[$__rate_interval])))
				> 0.05 and on (instance)
				sum without (route) (rate(infosysta_gateway_overhead_seconds_count[5m] offset 1h)) > bool 1e3
				""")).containsExactly("infosysta_gateway_overhead_seconds_bucket",
				"infosysta_gateway_overhead_seconds_count");
	}

	@Test
	void findsBareNamesAndRecordedNamesWithColons() {
		assertThat(PromQlNames.of("up{job=\"x\"} == 0 or absent(up)")).containsExactly("up");
		assertThat(PromQlNames.of("tenant:requests:rate5m / ignoring(status) group_left tenant:all:rate5m"))
			.containsExactly("tenant:all:rate5m", "tenant:requests:rate5m");
		assertThat(PromQlNames.of("topk(10, sum by (tenant) (rate(a_total[$__range])))")).containsExactly("a_total");
	}

	@Test
	void readsTheLabelMatchersOfEachSelector() {
		assertThat(PromQlNames.selectors("""
				sum by (tenant) (rate(requests_count{job="infosysta-gateway", status="5xx"}[5m]))
				/ ignoring (status) sum(rate(requests_count{tenant=~"$tenant",status!~"1xx|2xx"}[5m])) + up
				""")).containsExactly(
				new PromQlNames.Selector("requests_count",
						List.of(new PromQlNames.LabelMatcher("job", "=", "infosysta-gateway"),
								new PromQlNames.LabelMatcher("status", "=", "5xx"))),
				new PromQlNames.Selector("requests_count",
						List.of(new PromQlNames.LabelMatcher("tenant", "=~", "$tenant"),
								new PromQlNames.LabelMatcher("status", "!~", "1xx|2xx"))));
	}

	@Test
	void ignoresWhatIsInsideStrings() {
		assertThat(PromQlNames.of("label_replace(jvm_memory_used_bytes, \"pool\", \"$1\", \"id\", \"(not_a_metric)\")"))
			.containsExactly("jvm_memory_used_bytes");
	}

}
