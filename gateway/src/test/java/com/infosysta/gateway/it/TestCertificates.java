package com.infosysta.gateway.it;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificate authorities and server certificates made for one test run with the JDK's own {@code keytool}
 * (no test-only crypto library, no certificate kept in the repository). EC P-256 keys, valid for two days. The
 * same helper as the filters module's tests have (test classes are not shared between modules).
 */
final class TestCertificates {

	private static final String PASSWORD = "test-only";

	private final Path dir;

	public TestCertificates(Path dir) {
		this.dir = dir;
	}

	/** A CA certificate (basic constraints CA, key usage keyCertSign) with its key in a PKCS#12 store. */
	public Authority authority(String name) {
		Path store = this.dir.resolve(name + ".p12");
		keytool("-genkeypair", "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD,
				"-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2", "-dname",
				"CN=" + name, "-ext", "bc:c", "-ext", "KeyUsage:c=keyCertSign,cRLSign");
		KeyStore keys = load(store);
		try {
			X509Certificate certificate = (X509Certificate) keys.getCertificate("ca");
			Path pem = Files.writeString(this.dir.resolve(name + ".pem"), pem(certificate));
			return new Authority(name, store, certificate, pem);
		}
		catch (GeneralSecurityException | IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** A server certificate for {@code dnsName} signed by {@code issuer}. */
	public Issued issue(Authority issuer, String name, String dnsName) {
		Path store = keyPair(name, dnsName);
		Path request = this.dir.resolve(name + ".csr");
		Path signed = this.dir.resolve(name + ".pem");
		keytool("-certreq", "-keystore", store.toString(), "-storepass", PASSWORD, "-alias", "leaf", "-file",
				request.toString());
		keytool("-gencert", "-keystore", issuer.store().toString(), "-storepass", PASSWORD, "-alias", "ca",
				"-infile", request.toString(), "-outfile", signed.toString(), "-rfc", "-validity", "2", "-ext",
				"san=dns:" + dnsName, "-ext", "eku=serverAuth");
		X509Certificate certificate = parse(signed).get(0);
		return new Issued(privateKey(store), certificate, List.of(certificate, issuer.certificate()));
	}

	/** A self-signed server certificate for {@code dnsName}: no CA vouches for it. */
	public Issued selfSigned(String name, String dnsName) {
		Path store = keyPair(name, dnsName);
		try {
			X509Certificate certificate = (X509Certificate) load(store).getCertificate("leaf");
			return new Issued(privateKey(store), certificate, List.of(certificate));
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private Path keyPair(String name, String dnsName) {
		Path store = this.dir.resolve(name + ".p12");
		keytool("-genkeypair", "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD,
				"-alias", "leaf", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2", "-dname",
				"CN=" + dnsName, "-ext", "san=dns:" + dnsName);
		return store;
	}

	public static String pem(X509Certificate... certificates) {
		StringBuilder text = new StringBuilder();
		Base64.Encoder encoder = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
		for (X509Certificate certificate : certificates) {
			try {
				text.append("-----BEGIN CERTIFICATE-----\n")
					.append(encoder.encodeToString(certificate.getEncoded()))
					.append("\n-----END CERTIFICATE-----\n");
			}
			catch (GeneralSecurityException ex) {
				throw new IllegalStateException(ex);
			}
		}
		return text.toString();
	}

	public static List<X509Certificate> parse(Path pem) {
		try (InputStream in = new ByteArrayInputStream(Files.readAllBytes(pem))) {
			List<X509Certificate> certificates = new ArrayList<>();
			CertificateFactory.getInstance("X.509")
				.generateCertificates(in)
				.forEach(certificate -> certificates.add((X509Certificate) certificate));
			return certificates;
		}
		catch (IOException | GeneralSecurityException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static PrivateKey privateKey(Path store) {
		try {
			return (PrivateKey) load(store).getKey("leaf", PASSWORD.toCharArray());
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static KeyStore load(Path store) {
		try (InputStream in = Files.newInputStream(store)) {
			KeyStore keys = KeyStore.getInstance("PKCS12");
			keys.load(in, PASSWORD.toCharArray());
			return keys;
		}
		catch (IOException | GeneralSecurityException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static void keytool(String... arguments) {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
		command.add("-J-Duser.language=en");
		command.addAll(List.of(arguments));
		try {
			Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
			byte[] output = process.getInputStream().readAllBytes();
			if (!process.waitFor(60, TimeUnit.SECONDS)) {
				process.destroyForcibly();
				throw new IllegalStateException("keytool did not finish: " + command);
			}
			if (process.exitValue() != 0) {
				throw new IllegalStateException("keytool failed (" + process.exitValue() + "): " + command + "\n"
						+ new String(output, StandardCharsets.UTF_8));
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * @param pem the CA certificate as a PEM file, ready for a {@code ca-bundle-file}
	 */
	public record Authority(String name, Path store, X509Certificate certificate, Path pem) {
	}

	/**
	 * @param chain the certificate and its issuer, as a server sends them
	 */
	public record Issued(PrivateKey key, X509Certificate certificate, List<X509Certificate> chain) {

		/** The private key as PKCS#8 PEM, as Spring Boot's PEM SSL bundles read it. */
		public String keyPem() {
			Base64.Encoder encoder = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
			return "-----BEGIN PRIVATE KEY-----\n" + encoder.encodeToString(this.key.getEncoded())
					+ "\n-----END PRIVATE KEY-----\n";
		}

		public String chainPem() {
			return pem(this.chain.toArray(X509Certificate[]::new));
		}

	}

}
