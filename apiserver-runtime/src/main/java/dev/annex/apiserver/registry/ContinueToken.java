package dev.annex.apiserver.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.annex.apiserver.status.StatusException;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A list's {@code continue} token in kube-apiserver's shape: base64url of
 * {@code {"v":"meta.k8s.io/v1","rv":N,"start":"<key after the prefix>"}}, so the next page is read at
 * the same snapshot.
 */
record ContinueToken(long resourceVersion, String start) {

  private static final ObjectMapper JSON = new ObjectMapper();

  String encode() {
    byte[] json = JsonNodeFactory.instance.objectNode().put("v", "meta.k8s.io/v1").put("rv", resourceVersion)
        .put("start", start).toString().getBytes(StandardCharsets.UTF_8);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json);
  }

  static ContinueToken decode(String token) {
    try {
      JsonNode n = JSON.readTree(Base64.getUrlDecoder().decode(token.replace("=", "")));
      if (!"meta.k8s.io/v1".equals(n.path("v").asText()) || n.path("rv").asLong(0) <= 0 || !n.has("start")) {
        throw new IllegalArgumentException();
      }
      return new ContinueToken(n.path("rv").asLong(), n.path("start").asText());
    } catch (Exception e) {
      throw StatusException.badRequest("continue key is not valid: illegal base64 data or incorrect version");
    }
  }
}
