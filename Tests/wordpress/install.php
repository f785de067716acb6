<?php
// Installs the test site and prints the credentials Presswork's tests use:
//   php install.php ROOT URL   →   user=…, password=… (an application password)
// There is no wp-cli package in Debian; this is what it would do.
[$script, $root, $url] = $argv;
$parts = parse_url($url);
$_SERVER['HTTP_HOST'] = $parts['host'] . ':' . $parts['port'];
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
define('ABSPATH', rtrim($root, '/') . '/');
define('WP_INSTALLING', true);
require ABSPATH . 'wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';

$result = wp_install('Presswork test site', 'presswork', 'presswork@example.invalid', false, '', wp_generate_password(24));
$user = get_user_by('id', $result['user_id']);
[$password] = WP_Application_Passwords::create_new_application_password($user->ID, ['name' => 'presswork-tests']);
echo "user=presswork\npassword=$password\n";
