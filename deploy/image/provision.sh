#!/usr/bin/env bash
# Bakes the dealership AMI. The bake-ami action boots a builder instance with this script as its user
# data; the script prepares the image and powers the instance off, and the action images it.
#
# It installs the Node runtime, the RDS CA bundle the service checks the database's certificate
# against, the CodeDeploy agent (from this region's bucket), the service user and directories, and
# the logging path: the service's pino JSON lines go to journald, and an exporter unit copies them to
# /var/log/dealership/service.log, one JSON object per line, which the CloudWatch agent (optional)
# ships to the log group below. The application itself arrives by CodeDeploy. The log groups and
# their retention belong to the CloudFormation stack. The AWS CLI is installed for the launch
# template's user data, which writes the migrate step's environment file from the database secret.
# Amazon Linux 2023 (dnf) and Ubuntu/Debian (apt-get) base images are supported.
#
# It downloads from nodejs.org and truststore.pki.rds.amazonaws.com, so the builder's subnet needs a
# NAT gateway (VPC endpoints do not reach them).
set -euo pipefail

NODE_VERSION="24.21.0"                            # Node 24, the LTS line (service/package.json engines)
# The launch template's user data sets DATABASE_CA_FILE to this path (src/template.test.ts checks).
RDS_CA_BUNDLE="/usr/local/share/dealership/rds-global-bundle.pem"
RDS_CA_BUNDLE_URL="https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
INSTALL_CLOUDWATCH_AGENT="true"                   # "false" leaves logs on the instance only
LOG_GROUP="/dealership/service"
SERVICE_USER="dealership"

# cloud-init keeps this script's output in /var/log/cloud-init-output.log and on the console.
log() { printf '%s provision: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }
trap 'log "FAILED at line $LINENO; the instance stays up for inspection"' ERR

imds() {
  local token
  token=$(curl -fsS -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' http://169.254.169.254/latest/api/token)
  curl -fsS -H "X-aws-ec2-metadata-token: $token" "http://169.254.169.254/latest/$1"
}

if command -v dnf >/dev/null 2>&1; then
  pkg_install() { dnf install -y -q "$@"; }
  log "updating packages (dnf)"
  dnf upgrade -y -q
  pkg_install ruby wget tar xz logrotate awscli-2 openssl
else
  pkg_install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"; }
  log "updating packages (apt-get)"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get upgrade -y -q
  pkg_install ruby-full wget curl ca-certificates tar xz-utils logrotate unzip openssl
fi

region=$(imds meta-data/placement/region)
case "$(uname -m)" in
  x86_64) node_arch=x64 cw_arch=amd64 ;;
  aarch64) node_arch=arm64 cw_arch=arm64 ;;
  *) log "unsupported architecture $(uname -m)"; exit 1 ;;
esac

log "installing Node $NODE_VERSION ($node_arch), checked against nodejs.org's SHASUMS256"
work=$(mktemp -d)
node_tar="node-v$NODE_VERSION-linux-$node_arch.tar.xz"
curl -fsSL -o "$work/$node_tar" "https://nodejs.org/dist/v$NODE_VERSION/$node_tar"
curl -fsSL -o "$work/SHASUMS256.txt" "https://nodejs.org/dist/v$NODE_VERSION/SHASUMS256.txt"
(cd "$work" && grep " $node_tar\$" SHASUMS256.txt | sha256sum -c -)
rm -rf /opt/node
mkdir -p /opt/node
tar -xJf "$work/$node_tar" -C /opt/node --strip-components=1
ln -sf /opt/node/bin/node /usr/bin/node
/usr/bin/node --version

log "installing the RDS CA bundle (every region's roots) at $RDS_CA_BUNDLE"
curl -fsSL -o "$work/rds-ca.pem" "$RDS_CA_BUNDLE_URL"
# Every block must be a certificate OpenSSL reads; an HTML error page or a truncated file fails here.
cert_count=$(grep -c -- '-----BEGIN CERTIFICATE-----' "$work/rds-ca.pem" || true)
((cert_count > 0)) || { log "$RDS_CA_BUNDLE_URL holds no certificate"; exit 1; }
openssl crl2pkcs7 -nocrl -certfile "$work/rds-ca.pem" | openssl pkcs7 -print_certs -noout >/dev/null
install -d -m 0755 "$(dirname "$RDS_CA_BUNDLE")"
install -m 0644 "$work/rds-ca.pem" "$RDS_CA_BUNDLE"
log "RDS CA bundle: $cert_count certificates"

if ! command -v aws >/dev/null 2>&1; then
  log "installing the AWS CLI v2"
  curl -fsSL -o "$work/awscliv2.zip" "https://awscli.amazonaws.com/awscli-exe-linux-$(uname -m).zip"
  unzip -q "$work/awscliv2.zip" -d "$work"
  "$work/aws/install" --update
fi

log "installing the CodeDeploy agent from aws-codedeploy-$region"
curl -fsSL -o "$work/codedeploy-install" "https://aws-codedeploy-$region.s3.$region.amazonaws.com/latest/install"
chmod +x "$work/codedeploy-install"
"$work/codedeploy-install" auto
systemctl enable codedeploy-agent
# The image must not carry this builder's identity: the agent registers afresh on each instance.
systemctl stop codedeploy-agent || true
rm -rf /opt/codedeploy-agent/deployment-root/* /var/log/aws/codedeploy-agent/*

log "creating user $SERVICE_USER and its directories"
id -u "$SERVICE_USER" >/dev/null 2>&1 ||
  useradd --system --user-group --no-create-home --home-dir /var/lib/dealership --shell /usr/sbin/nologin "$SERVICE_USER"
install -d -o root -g "$SERVICE_USER" -m 0750 /opt/dealership /opt/dealership/app /etc/dealership
install -d -o "$SERVICE_USER" -g "$SERVICE_USER" -m 0750 /var/lib/dealership
install -d -o root -g root -m 0755 /var/log/dealership

log "journald: persistent, bounded; the service's JSON lines exported to /var/log/dealership/service.log"
install -d /etc/systemd/journald.conf.d
cat >/etc/systemd/journald.conf.d/dealership.conf <<'CONF'
[Journal]
Storage=persistent
SystemMaxUse=1G
MaxRetentionSec=14day
# A busy service logs one line per request; journald must not drop them.
RateLimitIntervalSec=0
CONF
cat >/etc/systemd/system/dealership-log-export.service <<'UNIT'
[Unit]
Description=Export the dealership service's JSON log lines from journald for CloudWatch
After=systemd-journald.service

[Service]
# -o cat prints each message as written: pino's JSON object, one per line. The cursor file makes a
# restart (or a reboot) carry on where it stopped, without gaps or repeats.
StateDirectory=dealership-log-export
ExecStart=/bin/sh -c 'exec journalctl --unit=dealership.service --output=cat --follow --cursor-file=/var/lib/dealership-log-export/cursor >>/var/log/dealership/service.log'
Restart=always
RestartSec=5
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=/var/log/dealership
ProtectHome=yes
PrivateTmp=yes

[Install]
WantedBy=multi-user.target
UNIT
cat >/etc/logrotate.d/dealership <<'ROTATE'
/var/log/dealership/service.log {
  daily
  rotate 7
  maxsize 200M
  compress
  missingok
  notifempty
  copytruncate
}
ROTATE
systemctl daemon-reload
systemctl enable dealership-log-export.service

if [[ $INSTALL_CLOUDWATCH_AGENT == true ]]; then
  log "installing the CloudWatch agent; it ships service.log to $LOG_GROUP"
  if command -v dnf >/dev/null 2>&1; then
    pkg_install amazon-cloudwatch-agent
  else
    curl -fsSL -o "$work/cwagent.deb" \
      "https://amazoncloudwatch-agent-$region.s3.$region.amazonaws.com/ubuntu/$cw_arch/latest/amazon-cloudwatch-agent.deb"
    dpkg -i "$work/cwagent.deb"
  fi
  install -d /opt/aws/amazon-cloudwatch-agent/etc
  cat >/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json <<CONF
{
  "agent": { "run_as_user": "root" },
  "logs": {
    "logs_collected": {
      "files": {
        "collect_list": [
          {
            "file_path": "/var/log/dealership/service.log",
            "log_group_name": "$LOG_GROUP",
            "log_stream_name": "{instance_id}"
          },
          {
            "file_path": "/var/log/aws/codedeploy-agent/codedeploy-agent.log",
            "log_group_name": "/dealership/codedeploy-agent",
            "log_stream_name": "{instance_id}"
          }
        ]
      }
    }
  }
}
CONF
  /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s \
    -c file:/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json
  systemctl enable amazon-cloudwatch-agent
fi

log "cleaning the builder's traces from the image"
rm -rf "$work"
if command -v dnf >/dev/null 2>&1; then dnf clean all -q; else apt-get clean; fi
cloud-init clean --logs 2>/dev/null || true
truncate -s 0 /etc/machine-id

log "done; powering off so bake-ami can image this instance"
sync
systemctl poweroff
