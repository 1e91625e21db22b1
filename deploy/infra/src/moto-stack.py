"""The moto side of moto-stack.test.ts, in one process per step (awscli v1 starts in ~1 s a call).

  python3 moto-stack.py network                       -> the VPC, subnets, an image and a certificate
  python3 moto-stack.py create|update STACK FILE PARAMS -> create-stack / update-stack, then a snapshot
  python3 moto-stack.py snapshot STACK                -> what the stack made, as JSON on stdout

The environment points boto3 at moto (AWS_ENDPOINT_URL, region, credentials).
"""

import json
import sys

import boto3


def network():
    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]

    def subnet(cidr, zone):
        return ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]

    return {
        "VpcId": vpc,
        "PublicSubnetIds": ",".join([subnet("10.0.1.0/24", "us-east-1a"), subnet("10.0.2.0/24", "us-east-1b")]),
        "PrivateSubnetIds": ",".join([subnet("10.0.3.0/24", "us-east-1a"), subnet("10.0.4.0/24", "us-east-1b")]),
        "ImageId": ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"],
        "CertificateArn": boto3.client("acm").request_certificate(DomainName="dealership.example.com")[
            "CertificateArn"
        ],
    }


def change(verb, stack, template_file, parameters):
    cfn = boto3.client("cloudformation")
    with open(template_file, encoding="utf-8") as f:
        body = f.read()
    params = [
        {"ParameterKey": k, "UsePreviousValue": True} if v is None else {"ParameterKey": k, "ParameterValue": v}
        for k, v in parameters.items()
    ]
    call = cfn.create_stack if verb == "create" else cfn.update_stack
    call(StackName=stack, TemplateBody=body, Parameters=params, Capabilities=["CAPABILITY_IAM"])
    return snapshot(stack)


def snapshot(stack):
    cfn = boto3.client("cloudformation")
    described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    events = cfn.describe_stack_events(StackName=stack)["StackEvents"]
    resources = {
        r["LogicalResourceId"]: {"type": r["ResourceType"], "physicalId": r.get("PhysicalResourceId")}
        for r in cfn.describe_stack_resources(StackName=stack)["StackResources"]
        if r.get("LogicalResourceId")
    }
    physical = {logical: r["physicalId"] for logical, r in resources.items()}
    elbv2, iam, rds = boto3.client("elbv2"), boto3.client("iam"), boto3.client("rds")
    group = boto3.client("autoscaling").describe_auto_scaling_groups(
        AutoScalingGroupNames=[physical["AutoScalingGroup"]]
    )["AutoScalingGroups"][0]
    role = lambda logical: iam.get_role(RoleName=physical[logical])["Role"]  # noqa: E731
    # The parameter group: moto gives it no physical id (rds/models.py), so it is found by family.
    parameter_groups = [
        g["DBParameterGroupName"]
        for g in rds.describe_db_parameter_groups()["DBParameterGroups"]
        if not g["DBParameterGroupName"].startswith("default.")
    ]
    return {
        "status": described["StackStatus"],
        "outputs": {o["OutputKey"]: o.get("OutputValue") for o in described.get("Outputs", [])},
        "failures": [
            f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason')}"
            for e in events
            if e["ResourceStatus"].endswith("_FAILED")
        ],
        "resources": resources,
        "group": {k: group.get(k) for k in ("MinSize", "MaxSize", "DesiredCapacity", "HealthCheckType",
                                            "HealthCheckGracePeriod", "TargetGroupARNs", "Instances")},
        "listeners": elbv2.describe_listeners(LoadBalancerArn=physical["LoadBalancer"])["Listeners"],
        "targetGroup": elbv2.describe_target_groups(TargetGroupArns=[physical["TargetGroup"]])["TargetGroups"][0],
        "databases": rds.describe_db_instances()["DBInstances"],
        "parameterGroups": {
            name: rds.describe_db_parameters(DBParameterGroupName=name, Source="user")["Parameters"]
            for name in parameter_groups
        },
        "trust": {r: role(r)["AssumeRolePolicyDocument"]["Statement"] for r in ("DeployRole", "PlanRole")},
        "instanceRolePolicies": {
            name: iam.get_role_policy(RoleName=physical["InstanceRole"], PolicyName=name)["PolicyDocument"]
            for name in iam.list_role_policies(RoleName=physical["InstanceRole"])["PolicyNames"]
        },
    }


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "network":
        result = network()
    elif command in ("create", "update"):
        result = change(command, sys.argv[2], sys.argv[3], json.loads(sys.argv[4]))
    else:
        result = snapshot(sys.argv[2])
    print(json.dumps(result, default=str))
