package dev.annex.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;

/** Lifetime of the serving certificate, in Go duration strings (8760h, 720h, 90m). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CertificatePolicy {
  public static final String DURATION_PATTERN = "^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$";
  public static final String DEFAULT_VALIDITY = "8760h";
  public static final String DEFAULT_RENEW_BEFORE = "720h";

  @Default(DEFAULT_VALIDITY)
  @Pattern(DURATION_PATTERN)
  public String validity;

  @Default(DEFAULT_RENEW_BEFORE)
  @Pattern(DURATION_PATTERN)
  public String renewBefore;

  public CertificatePolicy() {
  }

  public CertificatePolicy(String validity, String renewBefore) {
    this.validity = validity;
    this.renewBefore = renewBefore;
  }
}
