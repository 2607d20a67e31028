"""The matching engine of the teacher rotation fair: pure numpy/scipy, no web framework.

Read an instance (:func:`loads_instance`), :func:`solve` it (teacher-proposing deferred
acceptance, certified by :func:`certify`, optionally followed by the administrative assignment
:func:`assign_unmatched`), write it back (:func:`result_to_dict`) and explain it to a teacher
(:func:`explain_teacher`).
"""

from .assignment import assign_unmatched, free_seats, max_assignable, placement_costs
from .deferred_acceptance import deferred_acceptance, lottery, match_instance, strict_scores
from .flows import BackboneFlow, backbone_flow
from .generate import SUBJECTS, generate_instance
from .instance import (
    INSTANCE_FORMAT,
    RESULT_FORMAT,
    TIERS,
    Instance,
    InstanceError,
    instance_to_dict,
    loads_instance,
    parse_instance,
)
from .policy import Explanation, Reason, backbone_flows, explain_teacher, rank_histogram
from .solve import Result, parse_result, result_bytes, result_to_dict, solve
from .stability import Certificate, Violation, certify

# 2.1.0: backbone seats, refusals and requirements (optional fields; files without them unchanged)
# 2.2.0: the assignment first solved at a scaled unlisted cost and certified (the same total cost;
#        a tie between equally cheap assignments may be settled otherwise)
# 2.3.0: the assignment reaches unlisted seats through a tree per zone and a hub over the zones
#        (the same total cost; a tie between equally cheap assignments may be settled otherwise)
# 2.4.0: where a subject is all in one zone, the scaled unlisted cost is 100 (or twice the deepest
#        listed rank) instead of 2,000 (the same total cost; ties may be settled otherwise)
ENGINE_VERSION = "2.4.0"

__all__ = [
    "ENGINE_VERSION",
    "INSTANCE_FORMAT",
    "RESULT_FORMAT",
    "SUBJECTS",
    "TIERS",
    "BackboneFlow",
    "Certificate",
    "Explanation",
    "Instance",
    "InstanceError",
    "Reason",
    "Result",
    "Violation",
    "assign_unmatched",
    "backbone_flow",
    "backbone_flows",
    "certify",
    "deferred_acceptance",
    "explain_teacher",
    "free_seats",
    "generate_instance",
    "instance_to_dict",
    "loads_instance",
    "lottery",
    "match_instance",
    "max_assignable",
    "parse_instance",
    "parse_result",
    "placement_costs",
    "rank_histogram",
    "result_bytes",
    "result_to_dict",
    "solve",
    "strict_scores",
]
