package io.mlcycle.operator.api.modeldeployment;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;

import java.util.ArrayList;
import java.util.List;

/** Who may reach the serving pods: a NetworkPolicy the operator keeps for the ModelDeployment. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NetworkPolicySpec {

    @JsonPropertyDescription(
            "Peers (namespaceSelector and/or podSelector, as in a NetworkPolicy) that may reach the"
                    + " serving ports (HTTP 8080 with inference, feedback and /metrics, gRPC 8081)"
                    + " of the stable and canary pods, and the shadow challenger's. Include your"
                    + " Prometheus. Feedback shares the HTTP port: its token guards it. The shadow"
                    + " challenger also admits the champion's pods (mirrored traffic). Empty: only"
                    + " that path.")
    public List<NetworkPolicyPeer> from = new ArrayList<>();
}
