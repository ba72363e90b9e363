# Sourced by the scripts: lets Open MPI run as root and oversubscribed (containers, CI, laptops).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
# Containers often forbid the cross-memory-attach syscall vader uses for large messages.
export OMPI_MCA_btl_vader_single_copy_mechanism=none
