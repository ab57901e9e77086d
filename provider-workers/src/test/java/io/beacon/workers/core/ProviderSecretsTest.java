package io.beacon.workers.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProviderSecretsTest {

    @Test
    void shouldReadKeysFromTheEnvironment() {
        ProviderSecrets secrets = ProviderSecrets.fromEnvironment(Map.of(
                "RUNPOD_API_KEY", "rp_live_abc", "MODAL_KEY", "wk-123", "MODAL_SECRET", "ws-456"));

        assertThat(secrets.runpodApiKey()).map(Secret::reveal).contains("rp_live_abc");
        assertThat(secrets.modalKey()).map(Secret::reveal).contains("wk-123");
        assertThat(secrets.modalSecret()).map(Secret::reveal).contains("ws-456");
        assertThat(secrets.hasModalProxyAuth()).isTrue();
    }

    @Test
    void shouldReadKeysFromFilesNamedByFileVariables(@TempDir Path dir) throws Exception {
        Path runpod = Files.writeString(dir.resolve("runpod"), "rp_from_file\n");
        Path token = Files.writeString(dir.resolve("modal"), "wk-file:ws-file\n");

        ProviderSecrets secrets = ProviderSecrets.fromEnvironment(Map.of(
                "RUNPOD_API_KEY_FILE", runpod.toString(), "MODAL_API_TOKEN_FILE", token.toString()));

        assertThat(secrets.runpodApiKey()).map(Secret::reveal).contains("rp_from_file");
        assertThat(secrets.modalKey()).map(Secret::reveal).contains("wk-file");
        assertThat(secrets.modalSecret()).map(Secret::reveal).contains("ws-file");
    }

    @Test
    void shouldSplitTheRunnerGuidesModalTokenIntoKeyAndSecret() {
        ProviderSecrets secrets = ProviderSecrets.fromEnvironment(Map.of("MODAL_API_TOKEN", "wk-a:ws-b"));

        assertThat(secrets.modalKey()).map(Secret::reveal).contains("wk-a");
        assertThat(secrets.modalSecret()).map(Secret::reveal).contains("ws-b");
    }

    @Test
    void shouldNeverPrintValuesInToStringOrErrors(@TempDir Path dir) {
        ProviderSecrets secrets = ProviderSecrets.fromEnvironment(Map.of(
                "RUNPOD_API_KEY", "rp_live_abc", "MODAL_API_TOKEN", "wk-123:ws-456"));

        assertThat(secrets.toString()).doesNotContain("rp_live_abc", "wk-123", "ws-456").contains("set");
        assertThat(secrets.runpodApiKey().orElseThrow().toString()).isEqualTo("[redacted]");
        assertThatThrownBy(() -> ProviderSecrets.fromEnvironment(Map.of("MODAL_API_TOKEN", "just-one-value")))
                .hasMessageContaining("MODAL_API_TOKEN").hasMessageContaining("key:secret")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("just-one-value"));
        assertThatThrownBy(() -> ProviderSecrets.fromEnvironment(Map.of("MODAL_KEY", "wk-lonely")))
                .hasMessageContaining("MODAL_SECRET")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("wk-lonely"));
        assertThatThrownBy(() -> ProviderSecrets.fromEnvironment(Map.of("RUNPOD_API_KEY_FILE",
                dir.resolve("missing").toString()))).hasMessageContaining("RUNPOD_API_KEY_FILE");
    }

    @Test
    void shouldRedactEverySecretFromText() {
        ProviderSecrets secrets = ProviderSecrets.of("rp_live_abc", "wk-123", "ws-456");

        assertThat(secrets.redact("echo: Bearer rp_live_abc wk-123/ws-456"))
                .isEqualTo("echo: Bearer [redacted] [redacted]/[redacted]");
        assertThat(ProviderSecrets.none().toString()).contains("unset");
    }
}
