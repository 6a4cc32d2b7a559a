package com.infosysta.gateway.tenant;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A Server/DC tenant's private CA bundle ({@code ca-bundle-file}), read and checked when the registry is loaded:
 * the only certificates that tenant's upstream TLS trusts. Immutable; a reload reads the file again, and a
 * changed content gives a different {@link #sha256()}, which is what makes the tenant's client be rebuilt.
 *
 * @param file where the bundle was read from
 * @param certificates the trust anchors, in file order, at least one
 * @param sha256 hex SHA-256 of the file's bytes
 */
public record CaBundle(Path file, List<X509Certificate> certificates, String sha256) {

	/** Far above any real bundle (the public web's whole root store is about 250 KB of PEM). */
	private static final long MAX_BYTES = 1024 * 1024;

	public CaBundle {
		certificates = List.copyOf(certificates);
		if (certificates.isEmpty()) {
			throw new IllegalArgumentException("no certificates");
		}
	}

	/**
	 * @throws IllegalArgumentException with a message that names the rule (never the file's content)
	 */
	public static CaBundle read(Path file) {
		byte[] content;
		try {
			if (Files.size(file) > MAX_BYTES) {
				throw new IllegalArgumentException("'" + file + "' is larger than 1 MiB (expected: PEM certificates)");
			}
			content = Files.readAllBytes(file);
		}
		catch (IOException | SecurityException ex) {
			throw new IllegalArgumentException("'" + file + "' cannot be read", ex);
		}
		List<X509Certificate> certificates = new ArrayList<>();
		try {
			Collection<? extends Certificate> parsed = CertificateFactory.getInstance("X.509")
				.generateCertificates(new ByteArrayInputStream(content));
			for (Certificate certificate : parsed) {
				certificates.add((X509Certificate) certificate);
			}
		}
		catch (CertificateException | ClassCastException ex) {
			throw new IllegalArgumentException("'" + file + "' is not a bundle of X.509 certificates (expected: PEM"
					+ " blocks -----BEGIN CERTIFICATE-----)", ex);
		}
		if (certificates.isEmpty()) {
			throw new IllegalArgumentException("'" + file + "' holds no certificate (expected: PEM blocks"
					+ " -----BEGIN CERTIFICATE-----)");
		}
		return new CaBundle(file, certificates, RegistryFileParser.sha256(content));
	}

	@Override
	public String toString() {
		return "CaBundle[file=" + this.file + ", certificates=" + this.certificates.size() + ", sha256="
				+ this.sha256 + "]";
	}

}
