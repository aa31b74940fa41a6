package io.visprompt.security;

import java.time.Instant;
import java.util.List;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.visprompt.config.ApiProblem;
import io.visprompt.config.Tenant;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/v1/audit-events")
@Tag(name = "Audit", description = "Mutating requests and key changes, for admins")
class AuditEventController {

    private final AuditLog audit;

    AuditEventController(AuditLog audit) {
        this.audit = audit;
    }

    record AuditEventView(long id, String object, Instant at, String tenant, String keyPrefix, String method,
            String path, String resourceType, String resourceId, String action, Integer status) {

        static AuditEventView of(AuditLog.AuditEvent e) {
            return new AuditEventView(e.id(), "audit_event", e.at(), e.tenant(), e.keyPrefix(), e.method(), e.path(),
                    e.resourceType(), e.resourceId(), e.action(), e.status());
        }
    }

    record AuditPage(String object, List<AuditEventView> data, boolean hasMore, String lastId) {
    }

    @GetMapping
    @Operation(summary = "Audit events of every tenant, newest first (cursor: limit, after = last id; tenant filter)")
    AuditPage list(@RequestParam(defaultValue = "50") int limit, @RequestParam(required = false) Long after,
            @RequestParam(required = false) String tenant) {
        if (limit < 1 || limit > 500) {
            throw ApiProblem.invalidField("limit", "must be between 1 and 500");
        }
        if (tenant != null && !Tenant.isValid(tenant)) {
            throw ApiProblem.invalidField("tenant", "is not a tenant name");
        }
        List<AuditLog.AuditEvent> page = audit.page(tenant, after, limit + 1);
        boolean more = page.size() > limit;
        List<AuditEventView> data = page.stream().limit(limit).map(AuditEventView::of).toList();
        return new AuditPage("list", data, more, data.isEmpty() ? null : String.valueOf(data.get(data.size() - 1).id()));
    }
}
