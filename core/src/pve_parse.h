/*
 * pve_parse.h: what the Proxmox VE client reads out of an answer's "data"
 * member, apart from the HTTP exchange (pve.c), so that tests and the fuzzer
 * can drive it with any JSON.  Each returns CDB_OK or a cdb_status:
 * CDB_ERR_NOTFOUND when the thing asked for is not in the answer,
 * CDB_ERR_INTERNAL when the answer does not have the documented shape,
 * CDB_ERR_NOMEM.  They set no error message: the caller names the request.
 */
#ifndef CLUSTERDB_PVE_PARSE_H
#define CLUSTERDB_PVE_PARSE_H

#include <jansson.h>

#include <clusterdb/pve.h>

/* Proxmox's pve-vmid range, 100-999999999. */
int pve_valid_vmid(long long vmid);

/* GET /cluster/nextid: a VMID as a number or a string of digits. */
int pve_parse_vmid(json_t *data, int *vmid_out);

/* A template is named by its VMID (all digits: 1, and *vmid_out is it; -1
 * when that is no valid VMID) or by its name (0). */
int pve_template_wanted(const char *name, long long *vmid_out);
/* GET /nodes/N/lxc: the template with that name or VMID (CDB_ERR_INVALID
 * when the name is digits but no VMID). */
int pve_parse_template(json_t *list, const char *name, int *vmid_out);
/* GET /nodes/N/lxc: every entry with a valid VMID (free with
 * cdb_pve_lxc_entries_free). */
int pve_parse_lxc_list(json_t *list, cdb_pve_lxc_entry **entries_out, size_t *n_out);

/* GET /nodes/N/lxc/ID/config: one key's value, a string or an integer as text. */
int pve_parse_config_value(json_t *config, const char *key, char **value_out);
/* A netN value ("name=eth0,bridge=vmbr0,hwaddr=bc:24:..,ip=dhcp"): its
 * hwaddr in upper case. */
int pve_parse_net_mac(const char *net, char **mac_out);
/* GET /nodes/N/lxc/ID/interfaces: the first IPv4 address of ifname ("inet",
 * or "ip-addresses" of newer releases), without its prefix length. */
int pve_parse_interface_ipv4(json_t *interfaces, const char *ifname, char **ip_out);

/* GET /nodes/N/tasks/UPID/status: running, or stopped with its exit status. */
int pve_parse_task(json_t *data, cdb_pve_task *task_out);
/* PVE::Tools::upid_status_is_error: only "OK" and "WARNINGS: n" succeed. */
int pve_task_succeeded(const char *exitstatus);

#endif
