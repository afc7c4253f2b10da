package dev.annex.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

import java.util.ArrayList;
import java.util.List;

/** What the user asks for: the group, its versions and resources, and how to run its server. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.versions.filter(v, has(v.storage) && v.storage).size() == 1",
    message = "exactly one version must have storage: true", reason = "FieldValueInvalid")
@ValidationRule(value = "!has(self.replicas) || self.replicas <= 1 || (has(self.storage) && self.storage.type == 'Etcd')",
    message = "replicas > 1 needs storage.type: Etcd (Memory storage is per replica)", reason = "FieldValueInvalid")
public class AggregatedApiSpec {
  /** A DNS subdomain with at least one dot, as the aggregator requires for non-core groups. */
  public static final String GROUP_PATTERN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$";

  @Required
  @Pattern(GROUP_PATTERN)
  @JsonPropertyDescription("The API group served, e.g. wardle.example.com.")
  public String group;

  @Min(1)
  @Max(20000)
  @JsonPropertyDescription("The APIService groupPriorityMinimum of every version (default 1000).")
  public Integer groupPriorityMinimum;

  @Required
  @Size(min = 1, max = 16)
  public List<ApiVersion> versions = new ArrayList<>();

  @Required
  @Size(min = 1, max = 64)
  public List<ApiResource> resources = new ArrayList<>();

  public Storage storage;

  @Min(0)
  @JsonPropertyDescription("Replicas of the runtime; more than one needs storage.type Etcd (default 1).")
  public Integer replicas;

  @JsonPropertyDescription("The runtime image; defaults to the one this operator was built with.")
  public String image;

  public PodOverrides pod;

  public CertificatePolicy certificate;

  @JsonPropertyDescription("Serve from outside the cluster: an ExternalName Service instead of a Deployment.")
  public External external;

  @JsonIgnore
  public int effectiveReplicas() {
    return replicas == null ? 1 : replicas;
  }

  @JsonIgnore
  public int effectiveGroupPriorityMinimum() {
    return groupPriorityMinimum == null ? 1000 : groupPriorityMinimum;
  }

  @JsonIgnore
  public Storage.Type storageType() {
    return storage == null || storage.type == null ? Storage.Type.Memory : storage.type;
  }

  @JsonIgnore
  public CertificatePolicy effectiveCertificate() {
    return certificate == null ? new CertificatePolicy() : certificate;
  }
}
