{{/* Labels every object carries. */}}
{{- define "cutline.labels" -}}
app.kubernetes.io/part-of: cutline
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "cutline.fullname" -}}
{{- if contains "cutline" .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "cutline-%s" .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "cutline.controlPlaneImage" -}}
{{- printf "%s:%s" .Values.image.controlPlane.repository (.Values.image.controlPlane.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{- define "cutline.renderImage" -}}
{{- printf "%s:%s" .Values.image.renderJob.repository (.Values.image.renderJob.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{/* The API and the operator share one ServiceAccount and Role (the API creates RenderJobs). */}}
{{/* The operator's ServiceAccount (Jobs, Secrets, Leases); the API has its own. */}}
{{- define "cutline.serviceAccountName" -}}
{{- printf "%s-operator" (include "cutline.fullname" .) -}}
{{- end -}}

{{- define "cutline.apiServiceAccountName" -}}
{{- printf "%s-api" (include "cutline.fullname" .) -}}
{{- end -}}

{{- define "cutline.credentialsSecret" -}}
{{- .Values.credentials.existingSecret | default (printf "%s-credentials" (include "cutline.fullname" .)) -}}
{{- end -}}

{{/* Restricted Pod Security, as the namespace should enforce. */}}
{{- define "cutline.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile: {type: RuntimeDefault}
{{- end -}}

{{- define "cutline.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities: {drop: [ALL]}
{{- end -}}

{{/* Environment shared by the API and the operator. */}}
{{- define "cutline.env" -}}
- name: CUTLINE_K8S_NAMESPACE
  valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
{{- range $name, $value := .Values.config.extraEnv }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{- define "cutline.envFrom" -}}
- configMapRef: {name: {{ include "cutline.fullname" . }}-config}
- secretRef: {name: {{ include "cutline.credentialsSecret" . }}}
{{- end -}}

{{/* The API's CUTLINE_TRUST_PROXY: api.trustProxy, or the private ranges behind the chart's Ingress. */}}
{{- define "cutline.trustProxy" -}}
{{- if .Values.api.trustProxy -}}
{{- .Values.api.trustProxy -}}
{{- else if .Values.api.ingress.enabled -}}
loopback,uniquelocal
{{- else -}}
false
{{- end -}}
{{- end }}
