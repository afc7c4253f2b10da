package dev.annex.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;

import java.util.List;
import java.util.Map;

/** Scheduling and sizing of the runtime's pods. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PodOverrides {
  public ResourceRequirements resources;
  public Map<String, String> nodeSelector;
  public List<Toleration> tolerations;
  public Affinity affinity;
}
