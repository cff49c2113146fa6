/*
 * storport_sal.h - the SAL 2 and driver annotations (sal.h, driverspecs.h) that WDK miniport code
 * writes, all defined empty. Each is guarded with #ifndef so an existing definition wins.
 *
 * Part of msirig's WDK-compatible storport.h; a miniport includes only <storport.h>.
 */
#ifndef MSIRIG_STORPORT_SAL_H_
#define MSIRIG_STORPORT_SAL_H_


/* No arguments. */
#ifndef _In_
#define _In_
#endif
#ifndef _In_opt_
#define _In_opt_
#endif
#ifndef _In_z_
#define _In_z_
#endif
#ifndef _In_opt_z_
#define _In_opt_z_
#endif
#ifndef _Out_
#define _Out_
#endif
#ifndef _Out_opt_
#define _Out_opt_
#endif
#ifndef _Inout_
#define _Inout_
#endif
#ifndef _Inout_opt_
#define _Inout_opt_
#endif
#ifndef _Inout_z_
#define _Inout_z_
#endif
#ifndef _Outptr_
#define _Outptr_
#endif
#ifndef _Outptr_opt_
#define _Outptr_opt_
#endif
#ifndef _Outptr_result_maybenull_
#define _Outptr_result_maybenull_
#endif
#ifndef _Must_inspect_result_
#define _Must_inspect_result_
#endif
#ifndef _Check_return_
#define _Check_return_
#endif
#ifndef _Pre_
#define _Pre_
#endif
#ifndef _Post_
#define _Post_
#endif
#ifndef _Pre_notnull_
#define _Pre_notnull_
#endif
#ifndef _Pre_maybenull_
#define _Pre_maybenull_
#endif
#ifndef _Post_null_
#define _Post_null_
#endif
#ifndef _Post_notnull_
#define _Post_notnull_
#endif
#ifndef _Post_invalid_
#define _Post_invalid_
#endif
#ifndef _Ret_maybenull_
#define _Ret_maybenull_
#endif
#ifndef _Ret_notnull_
#define _Ret_notnull_
#endif
#ifndef _Null_terminated_
#define _Null_terminated_
#endif
#ifndef _NullNull_terminated_
#define _NullNull_terminated_
#endif
#ifndef _Printf_format_string_
#define _Printf_format_string_
#endif
#ifndef _Use_decl_annotations_
#define _Use_decl_annotations_
#endif
#ifndef _Interlocked_
#define _Interlocked_
#endif
#ifndef _IRQL_saves_
#define _IRQL_saves_
#endif
#ifndef _IRQL_restores_
#define _IRQL_restores_
#endif
#ifndef _IRQL_requires_same_
#define _IRQL_requires_same_
#endif
#ifndef _IRQL_is_cancel_
#define _IRQL_is_cancel_
#endif
#ifndef _IRQL_uses_cancel_
#define _IRQL_uses_cancel_
#endif
#ifndef _Kernel_float_saved_
#define _Kernel_float_saved_
#endif
#ifndef _Kernel_float_restored_
#define _Kernel_float_restored_
#endif
#ifndef __drv_aliasesMem
#define __drv_aliasesMem
#endif
#ifndef __drv_savesIRQL
#define __drv_savesIRQL
#endif
#ifndef __drv_restoresIRQL
#define __drv_restoresIRQL
#endif
#ifndef __drv_sameIRQL
#define __drv_sameIRQL
#endif
/* Legacy (pre-2010) SAL. Defined for C only: libstdc++ uses these very names (`__in`, `__out`)
 * as identifiers, so the rig's C++ code, which includes this header, must not see them. */
#ifndef __cplusplus
#ifndef __in
#define __in
#endif
#ifndef __out
#define __out
#endif
#ifndef __inout
#define __inout
#endif
#ifndef __in_opt
#define __in_opt
#endif
#ifndef __out_opt
#define __out_opt
#endif
#ifndef __inout_opt
#define __inout_opt
#endif
#ifndef __deref_out
#define __deref_out
#endif
#endif /* !__cplusplus */

/* One argument. */
#ifndef _Outptr_result_buffer_
#define _Outptr_result_buffer_(x)
#endif
#ifndef _Outptr_result_bytebuffer_
#define _Outptr_result_bytebuffer_(x)
#endif
#ifndef _In_reads_
#define _In_reads_(x)
#endif
#ifndef _In_reads_opt_
#define _In_reads_opt_(x)
#endif
#ifndef _In_reads_bytes_
#define _In_reads_bytes_(x)
#endif
#ifndef _In_reads_bytes_opt_
#define _In_reads_bytes_opt_(x)
#endif
#ifndef _In_reads_or_z_
#define _In_reads_or_z_(x)
#endif
#ifndef _In_reads_or_z_opt_
#define _In_reads_or_z_opt_(x)
#endif
#ifndef _Out_writes_
#define _Out_writes_(x)
#endif
#ifndef _Out_writes_opt_
#define _Out_writes_opt_(x)
#endif
#ifndef _Out_writes_all_
#define _Out_writes_all_(x)
#endif
#ifndef _Out_writes_bytes_
#define _Out_writes_bytes_(x)
#endif
#ifndef _Out_writes_bytes_opt_
#define _Out_writes_bytes_opt_(x)
#endif
#ifndef _Out_writes_bytes_all_
#define _Out_writes_bytes_all_(x)
#endif
#ifndef _Inout_updates_
#define _Inout_updates_(x)
#endif
#ifndef _Inout_updates_opt_
#define _Inout_updates_opt_(x)
#endif
#ifndef _Inout_updates_bytes_
#define _Inout_updates_bytes_(x)
#endif
#ifndef _Inout_updates_bytes_opt_
#define _Inout_updates_bytes_opt_(x)
#endif
#ifndef _Success_
#define _Success_(x)
#endif
#ifndef _Return_type_success_
#define _Return_type_success_(x)
#endif
#ifndef _Post_satisfies_
#define _Post_satisfies_(x)
#endif
#ifndef _Post_writable_byte_size_
#define _Post_writable_byte_size_(x)
#endif
#ifndef _Post_equal_to_
#define _Post_equal_to_(x)
#endif
#ifndef _Field_size_
#define _Field_size_(x)
#endif
#ifndef _Field_size_opt_
#define _Field_size_opt_(x)
#endif
#ifndef _Field_size_full_
#define _Field_size_full_(x)
#endif
#ifndef _Field_size_bytes_
#define _Field_size_bytes_(x)
#endif
#ifndef _Field_size_bytes_opt_
#define _Field_size_bytes_opt_(x)
#endif
#ifndef _Field_size_bytes_full_
#define _Field_size_bytes_full_(x)
#endif
#ifndef _Struct_size_bytes_
#define _Struct_size_bytes_(x)
#endif
#ifndef _Analysis_assume_
#define _Analysis_assume_(x)
#endif
#ifndef _Analysis_assume_lock_held_
#define _Analysis_assume_lock_held_(x)
#endif
#ifndef _Analysis_assume_lock_not_held_
#define _Analysis_assume_lock_not_held_(x)
#endif
#ifndef _Function_class_
#define _Function_class_(x)
#endif
#ifndef _Dispatch_type_
#define _Dispatch_type_(x)
#endif
#ifndef _Guarded_by_
#define _Guarded_by_(x)
#endif
#ifndef _Acquires_lock_
#define _Acquires_lock_(x)
#endif
#ifndef _Releases_lock_
#define _Releases_lock_(x)
#endif
#ifndef _Acquires_nonreentrant_lock_
#define _Acquires_nonreentrant_lock_(x)
#endif
#ifndef _Releases_nonreentrant_lock_
#define _Releases_nonreentrant_lock_(x)
#endif
#ifndef _Requires_lock_held_
#define _Requires_lock_held_(x)
#endif
#ifndef _Requires_lock_not_held_
#define _Requires_lock_not_held_(x)
#endif
#ifndef _IRQL_requires_
#define _IRQL_requires_(x)
#endif
#ifndef _IRQL_requires_max_
#define _IRQL_requires_max_(x)
#endif
#ifndef _IRQL_requires_min_
#define _IRQL_requires_min_(x)
#endif
#ifndef _IRQL_raises_
#define _IRQL_raises_(x)
#endif
#ifndef _IRQL_always_function_min_
#define _IRQL_always_function_min_(x)
#endif
#ifndef _IRQL_always_function_max_
#define _IRQL_always_function_max_(x)
#endif
#ifndef _Kernel_requires_resource_held_
#define _Kernel_requires_resource_held_(x)
#endif
#ifndef __drv_allocatesMem
#define __drv_allocatesMem(x)
#endif
#ifndef __drv_freesMem
#define __drv_freesMem(x)
#endif
#ifndef __drv_maxIRQL
#define __drv_maxIRQL(x)
#endif
#ifndef __drv_minIRQL
#define __drv_minIRQL(x)
#endif
#ifndef __drv_requiresIRQL
#define __drv_requiresIRQL(x)
#endif
#ifndef __drv_setsIRQL
#define __drv_setsIRQL(x)
#endif
#ifndef __drv_functionClass
#define __drv_functionClass(x)
#endif
#ifndef __drv_dispatchType
#define __drv_dispatchType(x)
#endif
#ifndef __drv_in
#define __drv_in(x)
#endif
#ifndef __drv_out
#define __drv_out(x)
#endif
#ifndef __drv_strictTypeMatch
#define __drv_strictTypeMatch(x)
#endif
#ifndef __drv_acquiresResource
#define __drv_acquiresResource(x)
#endif
#ifndef __drv_releasesResource
#define __drv_releasesResource(x)
#endif
#ifndef __drv_mustHold
#define __drv_mustHold(x)
#endif
#ifndef __drv_neverHold
#define __drv_neverHold(x)
#endif
#ifndef __drv_valueIs
#define __drv_valueIs(x)
#endif
#ifndef __drv_reportError
#define __drv_reportError(x)
#endif
#ifndef __cplusplus /* legacy SAL: C only, see above */
#ifndef __in_bcount
#define __in_bcount(x)
#endif
#ifndef __out_bcount
#define __out_bcount(x)
#endif
#ifndef __in_ecount
#define __in_ecount(x)
#endif
#ifndef __out_ecount
#define __out_ecount(x)
#endif
#endif

/* Two arguments. */
#ifndef _In_range_
#define _In_range_(a, b)
#endif
#ifndef _Out_range_
#define _Out_range_(a, b)
#endif
#ifndef _Ret_range_
#define _Ret_range_(a, b)
#endif
#ifndef _Out_writes_to_
#define _Out_writes_to_(a, b)
#endif
#ifndef _Out_writes_bytes_to_
#define _Out_writes_bytes_to_(a, b)
#endif
#ifndef _When_
#define _When_(a, b)
#endif
#ifndef _At_
#define _At_(a, b)
#endif
#ifndef _Field_size_part_
#define _Field_size_part_(a, b)
#endif
#ifndef _Field_size_bytes_part_
#define _Field_size_bytes_part_(a, b)
#endif
#ifndef _Field_size_bytes_part_opt_
#define _Field_size_bytes_part_opt_(a, b)
#endif
#ifndef _Field_range_
#define _Field_range_(a, b)
#endif
#ifndef _IRQL_saves_global_
#define _IRQL_saves_global_(a, b)
#endif
#ifndef _IRQL_restores_global_
#define _IRQL_restores_global_(a, b)
#endif
#ifndef __drv_savesIRQLGlobal
#define __drv_savesIRQLGlobal(a, b)
#endif
#ifndef __drv_restoresIRQLGlobal
#define __drv_restoresIRQLGlobal(a, b)
#endif
#ifndef __drv_preferredFunction
#define __drv_preferredFunction(a, b)
#endif
#ifndef __drv_when
#define __drv_when(a, b)
#endif
#ifndef __drv_arg
#define __drv_arg(a, b)
#endif
#ifndef __drv_strictType
#define __drv_strictType(a, b)
#endif

/* Four arguments. */
#ifndef _At_buffer_
#define _At_buffer_(a, b, c, d)
#endif

#endif /* MSIRIG_STORPORT_SAL_H_ */
