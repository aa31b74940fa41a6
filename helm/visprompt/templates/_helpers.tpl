{{/* Chart name. */}}
{{- define "visprompt.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified release name (63 characters at most: DNS label). */}}
{{- define "visprompt.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "visprompt.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "visprompt.labels" -}}
helm.sh/chart: {{ include "visprompt.chart" . }}
{{ include "visprompt.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "visprompt.selectorLabels" -}}
app.kubernetes.io/name: {{ include "visprompt.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Selector labels of one component: (dict "root" $ "component" "api"|"worker"). */}}
{{- define "visprompt.componentSelectorLabels" -}}
{{ include "visprompt.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "visprompt.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "visprompt.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Secret that holds the database password: the user's, or the one this chart makes. */}}
{{- define "visprompt.databaseSecretName" -}}
{{- if .Values.database.existingSecret }}
{{- .Values.database.existingSecret }}
{{- else }}
{{- printf "%s-db" (include "visprompt.fullname" .) }}
{{- end }}
{{- end }}

{{- define "visprompt.databaseSecretKey" -}}
{{- if .Values.database.existingSecret }}
{{- .Values.database.existingSecretPasswordKey }}
{{- else -}}
password
{{- end }}
{{- end }}

{{/* Secret that holds the bootstrap admin key: the user's, or the one this chart makes from security.bootstrapKey. */}}
{{- define "visprompt.apiKeySecretName" -}}
{{- if .Values.security.existingSecret }}
{{- .Values.security.existingSecret }}
{{- else }}
{{- printf "%s-api-key" (include "visprompt.fullname" .) }}
{{- end }}
{{- end }}

{{/* VISPROMPT_BOOTSTRAP_KEY for the API container, from a Secret; nothing when no key is configured. */}}
{{- define "visprompt.bootstrapKeyEnv" -}}
{{- if or .Values.security.existingSecret .Values.security.bootstrapKey }}
- name: VISPROMPT_BOOTSTRAP_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "visprompt.apiKeySecretName" . }}
      key: {{ if .Values.security.existingSecret }}{{ .Values.security.existingSecretKey }}{{ else }}bootstrap-key{{ end }}
{{- end }}
{{- end }}

{{- define "visprompt.datasetsClaimName" -}}
{{- default (printf "%s-datasets" (include "visprompt.fullname" .)) .Values.persistence.datasets.existingClaim }}
{{- end }}

{{/* Image reference: (dict "root" $ "override" .Values.worker.image) or (dict "root" $). */}}
{{- define "visprompt.image" -}}
{{- $image := .root.Values.image }}
{{- $override := .override | default dict }}
{{- $repository := $override.repository | default $image.repository }}
{{- $tag := $override.tag | default $image.tag | default .root.Chart.AppVersion }}
{{- printf "%s:%s" $repository $tag }}
{{- end }}

{{/* Environment shared by the API and the workers. */}}
{{- define "visprompt.commonEnv" -}}
- name: PORT
  value: {{ .Values.containerPort | quote }}
- name: SPRING_DATASOURCE_URL
  value: {{ required "database.url is required (jdbc:postgresql://host:5432/db)" .Values.database.url | quote }}
- name: SPRING_DATASOURCE_USERNAME
  value: {{ .Values.database.username | quote }}
- name: SPRING_DATASOURCE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "visprompt.databaseSecretName" . }}
      key: {{ include "visprompt.databaseSecretKey" . }}
- name: VISPROMPT_DATASETS_STORAGE_DIR
  value: {{ .Values.persistence.datasets.mountPath | quote }}
- name: VISPROMPT_STORAGE_TYPE
  value: {{ .Values.storage.type | quote }}
{{- if eq .Values.storage.type "s3" }}
- name: VISPROMPT_STORAGE_S3_ENDPOINT
  value: {{ .Values.storage.s3.endpoint | quote }}
- name: VISPROMPT_STORAGE_S3_REGION
  value: {{ .Values.storage.s3.region | quote }}
- name: VISPROMPT_STORAGE_S3_BUCKET
  value: {{ required "storage.s3.bucket is required with storage.type=s3" .Values.storage.s3.bucket | quote }}
- name: VISPROMPT_STORAGE_S3_PATH_STYLE
  value: {{ .Values.storage.s3.pathStyle | quote }}
- name: VISPROMPT_STORAGE_S3_KEY_PREFIX
  value: {{ .Values.storage.s3.keyPrefix | quote }}
- name: VISPROMPT_STORAGE_S3_ACCESS_KEY_FILE
  value: /var/run/secrets/visprompt-s3/{{ .Values.storage.s3.accessKeyKey }}
- name: VISPROMPT_STORAGE_S3_SECRET_KEY_FILE
  value: /var/run/secrets/visprompt-s3/{{ .Values.storage.s3.secretKeyKey }}
- name: VISPROMPT_STORAGE_CACHE_DIR
  value: {{ printf "%s/.object-cache" .Values.persistence.datasets.mountPath | quote }}
- name: VISPROMPT_STORAGE_CACHE_MAX_SIZE
  value: {{ .Values.storage.cacheMaxSize | quote }}
{{- else }}
# uploaded models beside the datasets, on the volume every pod mounts
- name: VISPROMPT_STORAGE_DIR
  value: {{ printf "%s/objects" .Values.persistence.datasets.mountPath | quote }}
{{- end }}
- name: VISPROMPT_MODEL_UPLOADS_LOADED_CHECK_INTERVAL
  value: {{ .Values.modelUploads.loadedCheckInterval | quote }}
# libtorch reads it once at load: without AVX2 its NNPACK warning would otherwise repeat on every convolution.
- name: TORCH_CPP_LOG_LEVEL
  value: "ERROR"
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Startup, liveness and readiness probes (actuator health groups). */}}
{{- define "visprompt.probes" -}}
{{- with .Values.probes.startup }}
startupProbe:
  httpGet:
    path: {{ .path }}
    port: http
  periodSeconds: {{ .periodSeconds }}
  timeoutSeconds: {{ .timeoutSeconds }}
  failureThreshold: {{ .failureThreshold }}
{{- end }}
{{- with .Values.probes.liveness }}
livenessProbe:
  httpGet:
    path: {{ .path }}
    port: http
  periodSeconds: {{ .periodSeconds }}
  timeoutSeconds: {{ .timeoutSeconds }}
  failureThreshold: {{ .failureThreshold }}
{{- end }}
{{- with .Values.probes.readiness }}
readinessProbe:
  httpGet:
    path: {{ .path }}
    port: http
  periodSeconds: {{ .periodSeconds }}
  timeoutSeconds: {{ .timeoutSeconds }}
  failureThreshold: {{ .failureThreshold }}
{{- end }}
{{- end }}

{{/* Pod annotations: Prometheus discovery and a checksum that rolls the pods when the chart's Secret changes. */}}
{{- define "visprompt.podAnnotations" -}}
{{- if .root.Values.metrics.podAnnotations }}
prometheus.io/scrape: "true"
prometheus.io/path: /actuator/prometheus
prometheus.io/port: {{ .root.Values.containerPort | quote }}
{{- end }}
{{- if not .root.Values.database.existingSecret }}
checksum/db-secret: {{ include (print .root.Template.BasePath "/secret.yaml") .root | sha256sum }}
{{- end }}
{{- with .extra }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The datasets volume (PVC, or an emptyDir that api and workers do NOT share when persistence is off). */}}
{{- define "visprompt.datasetsVolume" -}}
- name: datasets
{{- if and .Values.persistence.datasets.enabled (ne .Values.storage.type "s3") }}
  persistentVolumeClaim:
    claimName: {{ include "visprompt.datasetsClaimName" . }}
{{- else }}
  emptyDir: {}
{{- end }}
{{- end }}
