package io.beacon.workers.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The certificates a worker trusts for its provider's https endpoints besides the JDK's own CAs: a Golem node
 * behind a requestor's TLS proxy usually shows a certificate of the requestor's own CA, or a self-signed one.
 * Read from a PEM file (one or more {@code -----BEGIN CERTIFICATE-----} blocks) or a PKCS12/JKS truststore.
 * Host names are still verified by the HTTP client: the certificate must name the host the entry gives.
 */
public final class TrustMaterial {

    private TrustMaterial() {
    }

    /**
     * An SSL context that trusts the certificates in {@code file} and, as before, the JDK's default CAs.
     *
     * @param password the truststore's password (PKCS12/JKS); ignored for PEM; may be empty
     * @throws IllegalArgumentException naming {@code setting} and the file when it cannot be read or holds no
     *                                  certificate
     */
    public static SSLContext sslContext(Path file, char[] password, String setting) {
        List<X509Certificate> certificates;
        try {
            certificates = read(file, password);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(setting + " names " + file + ", which cannot be read as PEM"
                    + " certificates or a PKCS12/JKS truststore: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"), e);
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException(setting + " names " + file + ", which holds no certificate");
        }
        try {
            KeyStore own = KeyStore.getInstance(KeyStore.getDefaultType());
            own.load(null, null);
            for (int i = 0; i < certificates.size(); i++) {
                own.setCertificateEntry("beacon-trusted-" + i, certificates.get(i));
            }
            X509TrustManager configured = trustManager(own);
            X509TrustManager jdk = trustManager(null);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new EitherTrustManager(configured, jdk)}, null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a TLS context from " + file + ": " + e, e);
        }
    }

    private static List<X509Certificate> read(Path file, char[] password) throws IOException, GeneralSecurityException {
        byte[] bytes = Files.readAllBytes(file);
        String head = new String(bytes, 0, Math.min(bytes.length, 4096), StandardCharsets.US_ASCII);
        List<X509Certificate> out = new ArrayList<>();
        if (head.contains("-----BEGIN")) {
            try (InputStream in = Files.newInputStream(file)) {
                Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
                for (Certificate c : certs) {
                    out.add((X509Certificate) c);
                }
            }
            return out;
        }
        // KeyStore.getInstance(File, ...) recognises PKCS12 and JKS by their content.
        KeyStore store = KeyStore.getInstance(file.toFile(), password == null ? new char[0] : password);
        for (String alias : java.util.Collections.list(store.aliases())) {
            Certificate c = store.getCertificate(alias);
            if (c instanceof X509Certificate x509) {
                out.add(x509);
            }
        }
        return out;
    }

    private static X509TrustManager trustManager(KeyStore store) throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        return Arrays.stream(factory.getTrustManagers()).filter(X509TrustManager.class::isInstance)
                .map(X509TrustManager.class::cast).findFirst()
                .orElseThrow(() -> new CertificateException("no X509 trust manager"));
    }

    /** Trusts a chain either of two trust managers trusts: the configured certificates, or the JDK's CAs. */
    private static final class EitherTrustManager implements X509TrustManager {
        private final X509TrustManager first;
        private final X509TrustManager second;

        EitherTrustManager(X509TrustManager first, X509TrustManager second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            try {
                first.checkClientTrusted(chain, authType);
            } catch (CertificateException e) {
                second.checkClientTrusted(chain, authType);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            try {
                first.checkServerTrusted(chain, authType);
            } catch (CertificateException e) {
                second.checkServerTrusted(chain, authType);
            }
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            X509Certificate[] a = first.getAcceptedIssuers();
            X509Certificate[] b = second.getAcceptedIssuers();
            X509Certificate[] all = Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, all, a.length, b.length);
            return all;
        }
    }
}
