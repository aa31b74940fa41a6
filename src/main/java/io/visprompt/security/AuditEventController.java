package io.visprompt.security;

import java.time.Instant;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.visprompt.config.ApiProblem;
import io.visprompt.config.CursorPage;
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

    @GetMapping
    @Operation(summary = "Audit events of every tenant, newest first (cursor: limit, after = last id; tenant filter)")
    CursorPage<AuditEventView> list(@RequestParam(required = false) String limit,
            @RequestParam(required = false) String after, @RequestParam(required = false) String tenant) {
        CursorPage.Request<Long> page = CursorPage.Request.of(limit, after, CursorPage::numberCursor);
        if (tenant != null && !Tenant.isValid(tenant)) {
            throw ApiProblem.invalidField("tenant", "is not a tenant name");
        }
        return page.page(audit.page(tenant, page.after(), page.fetchSize()), AuditLog.AuditEvent::id)
                .map(AuditEventView::of);
    }
}
