package com.infosysta.gateway.observe;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;

/**
 * Keeps every span it is given, also after shutdown (the SDK testing module's in-memory exporter clears its
 * spans on shutdown, which would hide what {@link Tracing#close()} flushed).
 */
final class RecordingSpanExporter implements SpanExporter {

	private final List<SpanData> spans = new CopyOnWriteArrayList<>();

	private volatile boolean shutDown;

	@Override
	public CompletableResultCode export(Collection<SpanData> batch) {
		if (this.shutDown) {
			return CompletableResultCode.ofFailure();
		}
		this.spans.addAll(batch);
		return CompletableResultCode.ofSuccess();
	}

	@Override
	public CompletableResultCode flush() {
		return CompletableResultCode.ofSuccess();
	}

	@Override
	public CompletableResultCode shutdown() {
		this.shutDown = true;
		return CompletableResultCode.ofSuccess();
	}

	List<SpanData> spans() {
		return List.copyOf(this.spans);
	}

	boolean isShutDown() {
		return this.shutDown;
	}

}
