"""MJCF of a planar swimmer with any number of links, built in code.

The body follows the swimmer physics of the DeepMind Control Suite (a chain of
10 cm links in a dense fluid, contacts off, Euler integration at 2 ms, motors of
gear 5e-4 on hinge joints limited to +-360/n_links degrees), so that returns are
comparable with the published NCAP numbers. The model is assembled with
``mujoco.MjSpec`` rather than from an XML template, so any link count from
``MIN_LINKS`` to ``MAX_LINKS`` compiles without files on disk.

Sensor layout (``sensordata``), in this order:

========================  =====  ==============================================
sensor                    size   meaning
========================  =====  ==============================================
``head_vel``              3      head velocity in the head's local frame (m/s)
``head_gyro``             3      head angular velocity, local frame (rad/s)
``velocimeter_k``         3      velocity of link k+1, local frame (m/s)
``gyro_k``                3      angular velocity of link k+1, local frame
========================  =====  ==============================================
"""

from __future__ import annotations

import functools
import math

import mujoco
import numpy as np

MIN_LINKS = 3
MAX_LINKS = 20

PHYSICS_TIMESTEP = 0.002  # s
CONTROL_TIMESTEP = 0.03  # s; 15 physics steps per control step
FLUID_DENSITY = 3000.0  # kg/m^3
MOTOR_GEAR = 5e-4
LINK_LENGTH = 0.1  # m
N_ROOT_DOFS = 3  # slide x, slide y, hinge z of the head


def check_n_links(n_links: int) -> int:
    """Validate a link count, returning it as an int.

    Raises:
        ValueError: if ``n_links`` is not an integer in [MIN_LINKS, MAX_LINKS].
    """
    if isinstance(n_links, bool) or int(n_links) != n_links:
        raise ValueError(f"n_links must be an integer, got {n_links!r}")
    n_links = int(n_links)
    if not MIN_LINKS <= n_links <= MAX_LINKS:
        raise ValueError(f"n_links must lie in [{MIN_LINKS}, {MAX_LINKS}], got {n_links}")
    return n_links


def joint_limit(n_links: int) -> float:
    """Range of each body hinge, +-(2*pi / n_links) radians."""
    return 2.0 * math.pi / n_links


def _add_visual_assets(spec: mujoco.MjSpec) -> None:
    """Ground grid, sky and body materials, defined with builtin textures."""
    spec.add_texture(
        name="skybox",
        type=mujoco.mjtTexture.mjTEXTURE_SKYBOX,
        builtin=mujoco.mjtBuiltin.mjBUILTIN_GRADIENT,
        rgb1=[0.4, 0.6, 0.8],
        rgb2=[0.0, 0.0, 0.0],
        width=256,
        height=256,
    )
    spec.add_texture(
        name="grid",
        type=mujoco.mjtTexture.mjTEXTURE_2D,
        builtin=mujoco.mjtBuiltin.mjBUILTIN_CHECKER,
        rgb1=[0.1, 0.2, 0.3],
        rgb2=[0.2, 0.3, 0.4],
        width=300,
        height=300,
        mark=mujoco.mjtMark.mjMARK_EDGE,
        markrgb=[0.2, 0.3, 0.4],
    )
    grid = spec.add_material(name="grid", texrepeat=[4, 4], texuniform=True, reflectance=0.0)
    grid.textures[mujoco.mjtTextureRole.mjTEXROLE_RGB] = "grid"
    spec.add_material(name="self", rgba=[0.7, 0.5, 0.3, 1.0])
    spec.add_material(name="effector", rgba=[0.7, 0.4, 0.2, 1.0])
    spec.add_material(name="eye", rgba=[0.0, 0.2, 1.0, 1.0])


def _add_link_geoms(body: mujoco.MjsBody, index: int | None) -> None:
    """A massless capsule to look at and a 10 g box that carries the inertia."""
    suffix = "" if index is None else f"_{index}"
    body.add_geom(
        name=f"visual{suffix}",
        type=mujoco.mjtGeom.mjGEOM_CAPSULE,
        size=[0.01, 0, 0],
        fromto=[0, -0.05, 0, 0, 0.05, 0],
        material="self",
        mass=0.0,
    )
    body.add_geom(
        name=f"inertial{suffix}",
        type=mujoco.mjtGeom.mjGEOM_BOX,
        size=[0.001, 0.05, 0.01],
        rgba=[0, 0, 0, 0],
        mass=0.01,
    )


def build_spec(n_links: int) -> mujoco.MjSpec:
    """Assemble the swimmer's MjSpec.

    Args:
        n_links: number of rigid links, head included (N+1 in the NCAP paper's
            notation, which counts N joints).

    Returns:
        An uncompiled ``mujoco.MjSpec``.
    """
    n_links = check_n_links(n_links)
    spec = mujoco.MjSpec()
    spec.modelname = f"swimmer{n_links}"
    spec.option.timestep = PHYSICS_TIMESTEP
    spec.option.density = FLUID_DENSITY
    spec.option.integrator = mujoco.mjtIntegrator.mjINT_EULER
    spec.option.disableflags |= mujoco.mjtDisableBit.mjDSBL_CONTACT
    spec.visual.quality.shadowsize = 0
    spec.visual.quality.offsamples = 0
    spec.visual.headlight.ambient = [0.4, 0.4, 0.4]
    spec.visual.headlight.diffuse = [0.8, 0.8, 0.8]
    spec.visual.headlight.specular = [0.1, 0.1, 0.1]
    spec.visual.global_.offwidth = 1280
    spec.visual.global_.offheight = 720
    _add_visual_assets(spec)

    world = spec.worldbody
    world.add_geom(
        name="ground",
        type=mujoco.mjtGeom.mjGEOM_PLANE,
        size=[2.5 * max(1.0, n_links / 6.0), 2.5 * max(1.0, n_links / 6.0), 0.1],
        material="grid",
    )

    head = world.add_body(name="head", pos=[0, 0, 0.05])
    head.add_light(name="light_1", diffuse=[0.8, 0.8, 0.8], pos=[0, 0, 1.5], castshadow=False)
    head.add_geom(
        name="head",
        type=mujoco.mjtGeom.mjGEOM_ELLIPSOID,
        size=[0.02, 0.04, 0.017],
        pos=[0, -0.022, 0],
        material="self",
        mass=0.0,
    )
    head.add_geom(
        name="nose",
        type=mujoco.mjtGeom.mjGEOM_SPHERE,
        size=[0.004, 0, 0],
        pos=[0, -0.06, 0],
        material="effector",
        mass=0.0,
    )
    head.add_geom(
        name="eyes",
        type=mujoco.mjtGeom.mjGEOM_CAPSULE,
        size=[0.004, 0, 0],
        fromto=[-0.006, -0.054, 0.005, 0.006, -0.054, 0.005],
        material="eye",
        mass=0.0,
    )
    # Tracking cameras move back with the body's length, as a longer worm needs.
    scale = n_links / 6.0
    head.add_camera(
        name="tracking1",
        pos=[0, -0.2 * scale, 0.5 * scale],
        xyaxes=[1, 0, 0, 0, 1, 1],
        mode=mujoco.mjtCamLight.mjCAMLIGHT_TRACKCOM,
        fovy=60,
    )
    head.add_camera(
        name="tracking2",
        pos=[-0.9 * scale, 0.5 * scale, 0.15 * scale],
        xyaxes=[0, -1, 0, 0.3, 0, 1],
        mode=mujoco.mjtCamLight.mjCAMLIGHT_TRACKCOM,
        fovy=60,
    )
    for name, jtype, axis in (
        ("rootx", mujoco.mjtJoint.mjJNT_SLIDE, [1, 0, 0]),
        ("rooty", mujoco.mjtJoint.mjJNT_SLIDE, [0, 1, 0]),
        ("rootz", mujoco.mjtJoint.mjJNT_HINGE, [0, 0, 1]),
    ):
        head.add_joint(name=name, type=jtype, axis=axis, pos=[0, -0.05, 0], limited=0)
    _add_link_geoms(head, None)
    head.add_site(name="head", size=[0.01, 0, 0], rgba=[0, 0, 0, 0])
    spec.add_sensor(
        name="head_vel",
        type=mujoco.mjtSensor.mjSENS_VELOCIMETER,
        objtype=mujoco.mjtObj.mjOBJ_SITE,
        objname="head",
    )
    spec.add_sensor(
        name="head_gyro",
        type=mujoco.mjtSensor.mjSENS_GYRO,
        objtype=mujoco.mjtObj.mjOBJ_SITE,
        objname="head",
    )

    limit_deg = 360.0 / n_links
    parent = head
    for k in range(n_links - 1):
        link = parent.add_body(name=f"segment_{k}", pos=[0, LINK_LENGTH, 0])
        _add_link_geoms(link, k)
        link.add_site(name=f"site_{k}", size=[0.01, 0, 0], rgba=[0, 0, 0, 0])
        link.add_joint(
            name=f"joint_{k}",
            type=mujoco.mjtJoint.mjJNT_HINGE,
            axis=[0, 0, 1],
            pos=[0, -0.05, 0],
            limited=1,
            # MjSpec reads angles in degrees, as MJCF does by default.
            range=[-limit_deg, limit_deg],
            solref_limit=[0.05, 1.0],
            solimp_limit=[0.0, 0.8, 0.1, 0.5, 2.0],
            armature=1e-6,
        )
        spec.add_actuator(
            name=f"motor_{k}",
            target=f"joint_{k}",
            trntype=mujoco.mjtTrn.mjTRN_JOINT,
            gear=[MOTOR_GEAR, 0, 0, 0, 0, 0],
            ctrllimited=1,
            ctrlrange=[-1.0, 1.0],
        )
        for stype, prefix in (
            (mujoco.mjtSensor.mjSENS_VELOCIMETER, "velocimeter"),
            (mujoco.mjtSensor.mjSENS_GYRO, "gyro"),
        ):
            spec.add_sensor(
                name=f"{prefix}_{k}",
                type=stype,
                objtype=mujoco.mjtObj.mjOBJ_SITE,
                objname=f"site_{k}",
            )
        parent = link
    return spec


def build_model(n_links: int) -> mujoco.MjModel:
    """Compile the swimmer with ``n_links`` links into an ``MjModel``."""
    return build_spec(n_links).compile()


@functools.cache
def body_velocity_indices(n_links: int) -> np.ndarray:
    """Indices into ``sensordata`` of each link's (vx, vy, wz), head first (read-only).

    Each link contributes a velocimeter (vx, vy, vz) followed by a gyro
    (wx, wy, wz); the planar swimmer moves in x, y and turns about z. Cached:
    observations read them at every control step.
    """
    base = 6 * np.arange(n_links)[:, None]
    indices = (base + np.array([0, 1, 5])[None, :]).reshape(-1)
    indices.flags.writeable = False
    return indices


HEAD_VELOCITY_Y = 1  # sensordata index of the head velocimeter's y component
